"""The 四方评估总览 table rows as HTML, built in Python: a full page (50 rows) costs a fraction of the same markup
through the template engine, so the page's time does not grow with how full it is (issue 10 §6).

The markup is exactly that of the template it replaced (templates/reports/evaluation_overview.html): tests compare
it. The rows come from reports.selectors.evaluation_overview_page (ordered_scores, may_download, the URLs).
"""

from __future__ import annotations

from html import escape as e  # what django.utils.html.escape does, without its lazy-string wrapper (per cell)

from django.template.defaultfilters import floatformat
from django.utils.safestring import SafeString, mark_safe

SUBMITTED = '<span class="badge text-bg-success">已提交</span> <span class="table-num">{}</span>\n        '
NOT_SUBMITTED = '<span class="badge text-bg-secondary">未提交</span>'
DOWNLOAD = ('\n<span class="report-downloads">\n<a class="btn btn-outline-primary btn-sm" href="{}" download>'
            '下载评估报告（PDF）</a>\n\n</span>\n')  # reports/partials/_download_buttons.html with size="sm"


def _score_cell(score, pending: bool) -> str:
    if pending:
        inner = "—"
    elif score.status == "submitted":
        inner = "\n        " + SUBMITTED.format(floatformat(score.points, 2)) + "\n        "
    else:
        inner = "\n        " + NOT_SUBMITTED + "\n        "
    return f'\n      <td class="text-center">\n        {inner}\n      </td>\n      '


def overview_rows(evaluations) -> SafeString:
    rows = []
    for ev in evaluations:
        station = ev.contract.station
        pending = ev.declaration_pending
        kind = e(ev.get_kind_display())
        if pending:
            link = (f'\n          <a href="{e(ev.declaration_url)}">{kind}</a>\n'
                    '          <span class="badge text-bg-warning">待回避声明</span>\n        ')
        else:
            link = f'\n          <a href="{e(ev.detail_url)}">{kind}</a>\n        '
        total = floatformat(ev.total_score, 2) if ev.total_score is not None and not pending else "—"
        grade = ev.get_grade_display() if ev.grade and not pending else ev.get_status_display()
        scores = "".join(_score_cell(s, pending) for s in ev.ordered_scores)
        download = DOWNLOAD.format(e(ev.pdf_url)) if ev.may_download else "—"
        rows.append(
            f'\n    <tr>\n      <td>{e(station.name)}<div class="small text-muted">{e(station.street.district.name)}'
            f'</div></td>\n      <td>\n        {link}\n      </td>\n'
            f'      <td class="text-nowrap">{ev.date.strftime("%Y-%m-%d")}</td>\n      {scores}\n'
            f'      <td class="table-num">{total}</td>\n      <td class="text-nowrap">{e(grade)}</td>\n'
            f'      <td class="text-nowrap">{download}</td>\n    </tr>\n  '
        )
    return mark_safe("".join(rows))  # every text above is escaped (e); floatformat gives digits

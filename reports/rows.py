"""The 四方评估总览 table rows as HTML, built in Python: a full page (50 rows) costs a fraction of the same markup
through the template engine, so the page's time does not grow with how full it is (issue 10 §6).

The markup is exactly that of the template it replaced (templates/reports/evaluation_overview.html): tests compare
it. The rows come from reports.selectors.evaluation_overview_page (ordered_scores, may_download, the URLs).
"""

from __future__ import annotations

from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

SUBMITTED = '<span class="badge text-bg-success">已提交</span> <span class="table-num">{}</span>\n        '
NOT_SUBMITTED = '<span class="badge text-bg-secondary">未提交</span>'
DOWNLOAD = ('\n<span class="report-downloads">\n<a class="btn btn-outline-primary btn-sm" href="{}" download>'
            '下载评估报告（PDF）</a>\n\n</span>\n')  # reports/partials/_download_buttons.html with size="sm"


def _score_cell(score, pending: bool) -> str:
    if pending:
        inner = "—"
    elif score.status == "submitted":
        inner = format_html("\n        " + SUBMITTED + "\n        ", floatformat(score.points, 2))
    else:
        inner = "\n        " + NOT_SUBMITTED + "\n        "
    return format_html('\n      <td class="text-center">\n        {}\n      </td>\n      ', mark_safe(inner))


def overview_rows(evaluations) -> SafeString:
    rows = []
    for e in evaluations:
        station = e.contract.station
        pending = e.declaration_pending
        if pending:
            link = format_html('\n          <a href="{}">{}</a>\n          <span class="badge text-bg-warning">待回避声明'
                               '</span>\n        ', e.declaration_url, e.get_kind_display())
        else:
            link = format_html('\n          <a href="{}">{}</a>\n        ', e.detail_url, e.get_kind_display())
        total = floatformat(e.total_score, 2) if e.total_score is not None and not pending else "—"
        grade = e.get_grade_display() if e.grade and not pending else e.get_status_display()
        rows.append(format_html(
            '\n    <tr>\n      <td>{}<div class="small text-muted">{}</div></td>\n      <td>\n        {}\n      </td>\n'
            '      <td class="text-nowrap">{}</td>\n      {}\n'
            '      <td class="table-num">{}</td>\n      <td class="text-nowrap">{}</td>\n'
            '      <td class="text-nowrap">{}</td>\n    </tr>\n  ',
            station.name, station.street.district.name, link, e.date.strftime("%Y-%m-%d"),
            mark_safe("".join(_score_cell(s, pending) for s in e.ordered_scores)), total, grade,
            format_html(DOWNLOAD, e.pdf_url) if e.may_download else "—",
        ))
    return mark_safe("".join(rows))

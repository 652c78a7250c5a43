"""The 季度填报 list's table rows as HTML, built in Python: a full page (50 rows) costs a fraction of the same markup
through the template engine, so the page's time does not grow with how full it is (issue 10 §6).

The markup is exactly that of the template it replaced (templates/oversight/submission_list.html): tests compare it.
"""

from __future__ import annotations

from html import escape as e  # what django.utils.html.escape does, without its lazy-string wrapper (per cell)

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from evalportal.listing import url_maker

BADGES = {"approved": ("success", "审核通过"), "submitted": ("primary", "已提交"), "returned": ("danger", "已退回")}


def _minute(value) -> str:
    """{{ value|date:"Y-m-d H:i" }}: the local time."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _user(user) -> str:
    return str(user) if user is not None else ""


def submission_rows(submissions, *, can_review: bool) -> SafeString:
    entry_url, audit_url = url_maker("quarter_entry", 2), url_maker("quarter_audit", 2)
    rows = []
    for s in submissions:
        contract, station = s.contract, s.contract.station
        code, name, quarter = e(contract.code), e(station.name), f"{s.year}年第{s.quarter}季度"
        tick = ""
        if can_review:
            tick = "<td>" + (f'<input class="form-check-input" type="checkbox" name="sub" value="{s.pk}:{s.version}" '
                             f'aria-label="选择 {name} {quarter}">' if s.status == "submitted" else "") + "</td>"
        colour, label = BADGES.get(s.status, ("secondary", s.get_status_display()))
        if s.submitted_at:
            submitted = f'{_minute(s.submitted_at)}<div class="text-muted">{e(_user(s.submitted_by))}</div>'
        else:
            submitted = "—"
        if s.status == "approved":
            review = f"{_minute(s.approved_at)} {e(_user(s.approved_by))}"
        elif s.status == "returned":
            review = f"{_minute(s.returned_at)} 退回：{e(Truncator(s.return_reason).chars(40))}"
        else:
            review = "—"
        rows.append(
            f'\n      <tr>\n        {tick}\n'
            f'        <td>{name}<div class="small text-muted">{code}</div></td>\n'
            f'        <td>{e(station.street.district.name)} · {e(station.street.name)}</td>\n'
            f'        <td>{quarter}</td>\n'
            f'        <td><span class="badge text-bg-{colour}">{e(label)}</span></td>\n'
            f'        <td class="small">{submitted}</td>\n'
            f'        <td class="small">{review}</td>\n'
            f'        <td class="text-end"><a class="btn btn-sm btn-outline-primary" '
            f'href="{e(entry_url(contract.code, s.slug))}">查看</a>\n'
            f'          <a class="btn btn-sm btn-outline-secondary" href="{e(audit_url(contract.code, s.slug))}">记录</a>'
            f'</td>\n      </tr>\n      '
        )
    return mark_safe("".join(rows))  # every value above is escaped (e)


def dashboard_rows(rows) -> SafeString:
    """The dashboard's station table rows (oversight.dashboard.StationRow), as templates/oversight/dashboard.html drew
    them (same markup)."""
    from django.template.defaultfilters import floatformat

    html = []
    for row in rows:
        station = row.contract.station
        quarter = f'<a href="{e(row.quarter_url)}">{e(row.quarter.label)}</a>' if row.quarter else "—"
        returns = f' <span class="small text-muted">（退回 {row.returns} 次）</span>' if row.returns else ""
        if row.surplus:
            staff = f"超配 {floatformat(row.surplus, '-1')}"
        elif row.shortfall is not None:
            staff = floatformat(row.shortfall, "-1")
        else:
            staff = "—"
        evaluation = row.evaluation
        score = floatformat(evaluation.total_score, 2) if evaluation else "—"
        grade = e(evaluation.get_grade_display()) if evaluation else "—"
        warning = ' class="table-warning"' if row.warnings else ""
        unmet = "".join(f'<div class="text-muted">第{t.order}期：{e(t.basis)}</div>' for t in row.tranches if not t.met)
        html.append(
            f'\n      <tr{warning}>\n'
            f'        <td><a href="{e(row.url)}">{e(station.name)}</a>'
            f'<div class="small text-muted">{e(station.street.district.name)}</div></td>\n'
            f'        <td>{row.elapsed}/{row.total_months} 个月</td>\n'
            f'        <td class="table-num">{row.behind} / {row.indicators}</td>\n'
            f'        <td class="table-num">{row.far_behind}</td>\n'
            f'        <td>{quarter}</td>\n'
            f'        <td>{e(row.quarter_state_label or "—")}{returns}</td>\n'
            f'        <td class="table-num">{staff}</td>\n'
            f'        <td class="table-num">{e(row.retention_percent or "—")}</td>\n'
            f'        <td class="table-num">{score}</td>\n'
            f'        <td>{grade}</td>\n'
            f'        <td class="small"><a href="{e(row.tranches_url)}">{e(row.tranche_label)}</a>{unmet}</td>\n'
            f'      </tr>\n    '
        )
    return mark_safe("".join(html))  # every value above is escaped (e) or a number

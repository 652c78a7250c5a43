"""One row of the quarterly entry grid (templates/indicators/partials/_entry_section.html), rendered in Python.

A grid holds a few hundred cells, each with a dozen attributes; through the template language that was most of the
page's cost (issue 13 §5). The markup is the same as the template's was; every value is escaped as the template escaped it.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape as esc  # what django.utils.html.escape does, without its lazy-string wrapper (values are str)

from django import template
from django.utils.safestring import SafeString, mark_safe

from indicators.entry import LOCK_OUTSIDE, GridCell, GridRow, GridSection
from indicators.models import IndicatorDefinition

register = template.Library()

BEHIND = '<span class="badge text-bg-warning">落后</span>'
ON_PACE = '<span class="badge text-bg-success">达到</span>'
NO_TARGET = '<span class="text-muted">/</span>'
OUTSIDE = '<span class="visually-hidden">不在协议期内</span>'


def _plain(value: Decimal | None) -> str:
    """As the template printed a stored value with |default_if_none:'' (no thousands separator)."""
    return "" if value is None else f"{value:f}"


def _month(cell: GridCell) -> str:
    return f"{cell.month.year}年{cell.month.month}月"


def _editable_cell(cell: GridCell, column: int, label: str) -> str:
    name = esc(cell.name)
    described = " ".join(([f"err-{name}"] if cell.error else []) + ([f"conflict-{name}"] if cell.conflict else []))
    return (
        '<input type="text" inputmode="decimal" autocomplete="off" class="form-control form-control-sm cell-input '
        f'table-num{" is-invalid" if cell.error else ""}" name="{name}" id="{name}" value="{esc(cell.text)}" '
        f'data-col="{column}" aria-label="{esc(label)} {_month(cell)}"'
        + (f' aria-describedby="{described}"' if described else "")
        + (' aria-invalid="true" data-server-error' if cell.error else "")
        + f'><input type="hidden" name="o-{name}" value="{esc(cell.original_text)}">'
        f'<input type="hidden" name="v-{name}" value="{cell.version}">'
        f'<div class="invalid-feedback cell-error" id="err-{name}">{esc(cell.error)}</div>'
        + (f'<div class="small text-warning-emphasis cell-conflict" id="conflict-{name}">{esc(cell.conflict)}</div>'
           if cell.conflict else "")
    )


def _locked_cell(cell: GridCell) -> str:
    return (
        f'<span class="d-block table-num cell-locked" data-value="{_plain(cell.value)}" title="{esc(cell.lock_reason)}">'
        f'{esc(cell.text or "—")}</span>' + (OUTSIDE if cell.lock_reason == LOCK_OUTSIDE else "")
    )


def _cell(cell: GridCell, column: int, label: str) -> str:
    return (
        f'<td class="entry-cell{" has-error" if cell.error else ""}{" has-conflict" if cell.conflict else ""}">'
        f'{_editable_cell(cell, column, label) if cell.editable else _locked_cell(cell)}</td>'
    )


@register.simple_tag
def entry_row(row: GridRow, section: GridSection, audit_url: str) -> SafeString:
    """The <tr> of one indicator in one 片区 (or the 全站指标 section): name, 协议量, the month cells, 累计完成,
    完成率, 按进度应完成 and the pace badge. audit_url: the quarter's 修改记录 page."""
    indicator = row.indicator
    area_pk = section.area.pk if section.area else 0
    label = f"{section.title} {indicator.name}"
    stock = indicator.accumulation == IndicatorDefinition.Accumulation.STOCK
    pace = (BEHIND if row.behind else ON_PACE) if row.target else NO_TARGET
    return mark_safe(
        f'<tr class="entry-row" data-indicator="{indicator.pk}" data-area="{area_pk}" data-acc="{esc(indicator.accumulation)}" '
        f'data-target="{row.target_raw}" data-prior="{row.prior_raw}" data-places="{row.places}">'
        f'<th scope="row" class="entry-name fw-normal">{esc(indicator.name)} '
        f'<span class="badge text-bg-light border" title="{esc(indicator.get_accumulation_display())}">'
        f'{"存量型" if stock else "累计型"}</span> <span class="small text-muted">{esc(indicator.unit)}</span> '
        f'<a class="small ms-1" href="{esc(audit_url)}?area={area_pk}&amp;indicator={indicator.pk}" '
        f'title="该指标本季度的修改记录">记录<span class="visually-hidden">：{esc(label)}本季度的修改记录</span></a></th>'
        f'<td class="table-num">{esc(row.target_text)}</td>'
        + "".join(_cell(cell, column, label) for column, cell in enumerate(row.cells))
        + f'<td class="table-num js-cumulative">{esc(row.cumulative_text)}</td>'
        f'<td class="table-num js-rate">{esc(row.percent)}</td><td class="table-num js-expected">{esc(row.expected_text)}</td>'
        f'<td class="js-pace text-center">{pace}</td></tr>'
    )

"""Read side of the quarterly entry screen (issue 3 §3): the grid of 片区 × indicators × the quarter's months.

A constant number of queries whatever the number of 片区 (contract, areas, indicators, targets, actuals,
submission). Cumulative actuals, 完成率 and pace follow indicators.calculations — the same rules the page's
JavaScript (static/js/quarter_entry.js) applies while the user types; the server is the source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property

from evalportal.locks import month_reasons, quarter_is_locked
from evalportal.periods import Quarter, month_in_period, months_in_period
from evalportal.roles import contracts_editable_by, contracts_returnable_by
from stations.models import Contract, QuarterSubmission, ServiceArea

from .calculations import (
    AreaTotal,
    Pace,
    accumulate,
    area_total,
    completion_rate,
    contract_pace,
    format_indicator_value,
    format_percent,
)
from .models import IndicatorDefinition, MonthlyActual, Target
from .selectors import contract_indicators
from .validation import PLACES, format_value

LOCK_SUBMITTED = "已提交"
LOCK_APPROVED = "已审核通过"
LOCK_OUTSIDE = "不在协议期内"
LOCK_NO_PERMISSION = "无权限"


@dataclass
class GridCell:
    month: date
    name: str  # form field name
    value: Decimal | None
    version: int
    open: bool  # month inside the contract period
    lock_reason: str = ""  # why the cell cannot be edited ("" = editable)
    period_locked: bool = False  # read-only only because a finalised evaluation's 考核期 covers the month
    text: str = ""  # what the input shows (the posted text after a failed save)
    original_text: str = ""  # the stored value when the page was loaded (tells a change from an untouched cell)
    error: str = ""
    conflict: str = ""

    @property
    def editable(self) -> bool:
        return not self.lock_reason


@dataclass
class GridRow:
    indicator: IndicatorDefinition
    area: ServiceArea | None
    target: Decimal | None
    prior: Decimal | None  # flow: sum of months before the quarter; stock: latest value before the quarter
    cells: list[GridCell]
    elapsed_months: int
    total_months: int

    @property
    def places(self) -> int:
        return PLACES[self.indicator.value_type]

    @property
    def cumulative(self) -> Decimal | None:
        values = {c.month: c.value for c in self.cells if c.value is not None}
        quarter_value = accumulate(values, self.indicator.accumulation, [c.month for c in self.cells])
        if self.indicator.accumulation == IndicatorDefinition.Accumulation.STOCK:
            return quarter_value if quarter_value is not None else self.prior
        if quarter_value is None and self.prior is None:
            return None
        return (self.prior or Decimal(0)) + (quarter_value or Decimal(0))

    @property
    def rate(self) -> Decimal | None:
        return completion_rate(self.cumulative, self.target)

    @property
    def percent(self) -> str:
        return format_percent(self.rate)

    @property
    def pace(self) -> Pace:
        return Pace(elapsed=self.elapsed_months, total=self.total_months)

    @property
    def expected(self) -> Decimal | None:
        return self.pace.expected(self.target, self.indicator.accumulation)

    @property
    def behind(self) -> bool:
        return self.pace.is_behind(self.cumulative, self.target, self.indicator.accumulation)

    def fmt(self, value: Decimal | None) -> str:
        """As 附件1 prints it (calculations.format_indicator_value): hours drop a whole ".0" (1080, 783.5)."""
        return format_indicator_value(value, self.indicator.value_type)

    @property
    def target_text(self) -> str:
        return self.fmt(self.target)

    @property
    def cumulative_text(self) -> str:
        return self.fmt(self.cumulative)

    @property
    def expected_text(self) -> str:
        return self.fmt(self.expected)

    @property
    def prior_raw(self) -> str:
        return "" if self.prior is None else f"{self.prior:f}"

    @property
    def target_raw(self) -> str:
        return "" if self.target is None else f"{self.target:f}"


@dataclass
class GridTotalRow:
    """合计 of one per-片区 indicator over the grid's 片区, by the one rule of calculations.area_total: Σ 累计完成 of
    every 片区 (with or without a 协议量) ÷ Σ 协议量. The page's script recomputes it the same way while typing."""

    indicator: IndicatorDefinition
    rows: list[GridRow]  # the indicator's row in each 片区 section
    elapsed_months: int
    total_months: int

    @cached_property
    def total(self) -> AreaTotal:
        return area_total((row.cumulative, row.target) for row in self.rows)

    @property
    def target(self) -> Decimal | None:
        return self.total.target

    @property
    def cumulative(self) -> Decimal | None:
        return self.total.actual

    @property
    def percent(self) -> str:
        return format_percent(self.total.rate)

    @property
    def expected(self) -> Decimal | None:
        return Pace(elapsed=self.elapsed_months, total=self.total_months).expected(
            self.target, self.indicator.accumulation)

    @property
    def behind(self) -> bool:
        return Pace(elapsed=self.elapsed_months, total=self.total_months).is_behind(
            self.cumulative, self.target, self.indicator.accumulation)

    @property
    def month_texts(self) -> list[str]:
        """Each month's Σ over the 片区 for a flow indicator; a stock indicator's month-end counts are not summed per
        month (a 片区 without that month's figure would make the sum a number nobody counted): "—"."""
        if self.indicator.accumulation == IndicatorDefinition.Accumulation.STOCK:
            return ["—" for _ in self.rows[0].cells]
        texts = []
        for index in range(len(self.rows[0].cells)):
            values = [row.cells[index].value for row in self.rows if row.cells[index].value is not None]
            texts.append(format_indicator_value(sum(values, Decimal(0)), self.indicator.value_type) if values else "—")
        return texts

    @property
    def target_text(self) -> str:
        return format_indicator_value(self.target, self.indicator.value_type)

    @property
    def cumulative_text(self) -> str:
        return format_indicator_value(self.cumulative, self.indicator.value_type)

    @property
    def expected_text(self) -> str:
        return format_indicator_value(self.expected, self.indicator.value_type)


@dataclass
class GridSection:
    area: ServiceArea | None
    rows: list[GridRow]

    @property
    def title(self) -> str:
        return self.area.name if self.area else "全站指标"


@dataclass
class EntryGrid:
    contract: Contract
    quarter: Quarter
    months: list[date]
    open_months: list[date]
    submission: QuarterSubmission | None
    can_edit: bool
    can_return: bool
    lock_reason: str  # reason for the whole quarter ("" when editable)
    fraction: Decimal
    cutoff: date
    elapsed_months: int
    total_months: int
    sections: list[GridSection] = field(default_factory=list)
    period_locks: list[str] = field(default_factory=list)  # finalised evaluations covering some months

    @property
    def area_sections(self) -> list[GridSection]:
        return [s for s in self.sections if s.area is not None]

    @property
    def station_section(self) -> GridSection | None:
        return next((s for s in self.sections if s.area is None), None)

    @cached_property
    def totals(self) -> list[GridTotalRow]:
        """The 合计 rows over the 片区 sections (as 附件1's 合计 row), one per per-片区 indicator."""
        areas = self.area_sections
        if not areas:
            return []
        return [
            GridTotalRow(indicator=row.indicator, rows=[s.rows[i] for s in areas], elapsed_months=self.elapsed_months,
                         total_months=self.total_months)
            for i, row in enumerate(areas[0].rows)
        ]

    @property
    def status(self) -> str:
        return self.submission.status if self.submission else QuarterSubmission.Status.DRAFT

    @property
    def status_label(self) -> str:
        return self.submission.get_status_display() if self.submission else QuarterSubmission.Status.DRAFT.label

    @property
    def version(self) -> int:
        return self.submission.version if self.submission else 1  # a new QuarterSubmission starts at 1

    def cells(self):
        for section in self.sections:
            for row in section.rows:
                for cell in row.cells:
                    yield section, row, cell

    def editable_cells(self):
        return [(s, r, c) for s, r, c in self.cells() if c.editable]

    def postable_cells(self):
        """The cells a save reads: editable ones, and those locked by a finalised evaluation's 考核期 only, so that a
        change posted for them is refused by the service with the lock's message instead of silently dropped."""
        return [(s, r, c) for s, r, c in self.cells() if c.editable or c.period_locked]


def cell_name(area_id: int | None, indicator_id: int, month: date) -> str:
    return f"c-{area_id or 0}-{indicator_id}-{month:%Y%m}"


def quarter_cutoff(contract: Contract, quarter: Quarter) -> date:
    return min(quarter.end, contract.end_date)


def entry_grid(*, contract: Contract, quarter: Quarter, user) -> EntryGrid:
    """The grid for one quarter, with what each cell shows and whether (and why not) it can be edited."""
    areas = list(contract.service_areas.all())
    targets = {
        (t.service_area_id, t.indicator_id): t.value for t in Target.objects.filter(contract=contract)
    }
    history: dict[tuple[int | None, int], dict[date, tuple[Decimal, int]]] = {}
    for area_id, indicator_id, month, value, version in MonthlyActual.objects.filter(
        contract=contract
    ).values_list("service_area_id", "indicator_id", "month", "value", "version"):
        if month <= quarter.end:
            history.setdefault((area_id, indicator_id), {})[month] = (value, version)
        else:  # a later quarter's figure still makes the indicator part of the contract
            history.setdefault((area_id, indicator_id), {})
    indicators = contract_indicators(used_ids={key[1] for key in [*targets, *history]}, has_areas=bool(areas))
    area_indicators = [i for i in indicators if i.scope == IndicatorDefinition.Scope.AREA]
    station_indicators = [i for i in indicators if i.scope == IndicatorDefinition.Scope.STATION]
    if not areas:  # a contract without 片区 enters everything station-wide
        station_indicators = indicators
    submission = QuarterSubmission.objects.filter(
        contract=contract, year=quarter.year, quarter=quarter.quarter
    ).first()
    can_edit = contracts_editable_by(user).filter(pk=contract.pk).exists()
    can_return = contracts_returnable_by(user).filter(pk=contract.pk).exists()
    submitted = submission is not None and quarter_is_locked(submission.status)
    if not can_edit:
        lock_reason = LOCK_NO_PERMISSION
    elif submitted:
        lock_reason = LOCK_APPROVED if submission.status == QuarterSubmission.Status.APPROVED else LOCK_SUBMITTED
    else:
        lock_reason = ""
    months = quarter.months
    open_months = [m for m in months if month_in_period(m, contract.start_date, contract.end_date)]
    # a returned quarter inside a finalised evaluation's 考核期 stays read-only there (evalportal.locks)
    period_locks = month_reasons(contract.pk, open_months) if can_edit and not submitted else {}
    cutoff = quarter_cutoff(contract, quarter)
    pace = contract_pace(contract.start_date, contract.end_date, cutoff)
    fraction, elapsed_months, total_months = pace.fraction, pace.elapsed, pace.total
    prior_months = [m for m in months_in_period(contract.start_date, quarter.start) if m < quarter.start]

    def build_row(area: ServiceArea | None, indicator: IndicatorDefinition) -> GridRow:
        area_id = area.pk if area else None
        by_month = history.get((area_id, indicator.pk), {})
        prior = accumulate({m: v for m, (v, _) in by_month.items()}, indicator.accumulation, prior_months)
        cells = []
        for month in months:
            value, version = by_month.get(month, (None, 0))
            is_open = month in open_months
            cells.append(
                GridCell(
                    month=month, name=cell_name(area_id, indicator.pk, month), value=value, version=version,
                    open=is_open,
                    lock_reason=lock_reason or ("" if is_open else LOCK_OUTSIDE) or period_locks.get(month, ""),
                    period_locked=bool(not lock_reason and is_open and period_locks.get(month)),
                    text=format_value(value, indicator.value_type),
                    original_text=format_value(value, indicator.value_type),
                )
            )
        return GridRow(
            indicator=indicator, area=area, target=targets.get((area_id, indicator.pk)), prior=prior,
            cells=cells, elapsed_months=elapsed_months, total_months=total_months,
        )

    sections = [GridSection(area, [build_row(area, i) for i in area_indicators]) for area in areas if area_indicators]
    if station_indicators:
        sections.append(GridSection(None, [build_row(None, i) for i in station_indicators]))
    return EntryGrid(
        contract=contract, quarter=quarter, months=months, open_months=open_months, submission=submission,
        can_edit=can_edit, can_return=can_return, lock_reason=lock_reason, fraction=fraction, cutoff=cutoff,
        elapsed_months=elapsed_months, total_months=total_months, sections=sections,
        period_locks=list(dict.fromkeys(r for r in period_locks.values() if r)),
    )

"""Reads for indicators: the completion table of a contract at a cut-off (seed 001 附件1).

Four queries whatever the number of 片区, indicators or months: the 片区, the targets, the period's monthly actuals
and the indicator definitions. Actuals are accumulated in Python with `calculations.accumulate` because stock
indicators (建档) take the latest month's value, which SQL `Sum` cannot express portably.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q

from evalportal.periods import months_in_period
from stations.models import Contract, ServiceArea

from . import calculations
from .models import IndicatorDefinition, MonthlyActual, Target


@dataclass(frozen=True)
class CompletionCell:
    """One 协议量 / 完成量 / 百分比 triple. target/actual None print as "/" (no target, or nothing entered)."""

    indicator: IndicatorDefinition
    target: Decimal | None
    actual: Decimal | None
    rate: Decimal | None  # unrounded; None → "/"
    pace: calculations.Pace

    @property
    def percent(self) -> str:
        """"76.86%" or "/" (no target or target 0)."""
        return calculations.format_percent(self.rate)

    @property
    def target_display(self) -> str:
        return calculations.format_indicator_value(self.target, self.indicator.value_type)

    @property
    def actual_display(self) -> str:
        return calculations.format_indicator_value(self.actual, self.indicator.value_type)

    @property
    def expected(self) -> Decimal | None:
        """The on-pace amount at the cut-off (5/12 of an annual flow target after 5 of 12 months)."""
        return self.pace.expected(self.target, self.indicator.accumulation)

    @property
    def behind_pace(self) -> bool:
        return self.pace.is_behind(self.actual, self.target, self.indicator.accumulation)


@dataclass(frozen=True)
class AreaRow:
    area: ServiceArea | None  # None for the 合计 row
    cells: list[CompletionCell]
    social_workers: int

    @property
    def name(self) -> str:
        return self.area.name if self.area is not None else "合计"


@dataclass(frozen=True)
class StationRow:
    indicator: IndicatorDefinition
    cell: CompletionCell


@dataclass(frozen=True)
class CompletionTable:
    contract: Contract
    cutoff: date
    months: list[date]
    pace: calculations.Pace
    area_columns: list[IndicatorDefinition]
    area_rows: list[AreaRow]
    total_row: AreaRow | None
    station_rows: list[StationRow]
    groups: list[tuple[str, int]] = field(default_factory=list)

    @property
    def behind_pace(self) -> list[CompletionCell]:
        """Cells behind pace, per 片区 and station-wide (not the 合计 row)."""
        cells = [c for row in self.area_rows for c in row.cells if c.behind_pace]
        return cells + [r.cell for r in self.station_rows if r.cell.behind_pace]


def _column_groups(columns: list[IndicatorDefinition]) -> list[tuple[str, int]]:
    """(group, colspan) for the first header row: consecutive columns of one group share a cell."""
    groups: list[tuple[str, int]] = []
    for indicator in columns:
        label = indicator.group or indicator.name
        if groups and groups[-1][0] == label:
            groups[-1] = (label, groups[-1][1] + 1)
        else:
            groups.append((label, 1))
    return groups


def _sum(values: list[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


def contract_indicators(*, used_ids: set[int], has_areas: bool) -> list[IndicatorDefinition]:
    """A contract's indicators, in catalogue order: those it has a target (协议量) or an actual for, plus — when it
    has 片区 — every active per-片区 catalogue indicator, because 附件1 prints each of those columns ("/" where there
    is no target: 咨询个案 in seed 001). One rule for the entry grid and the completion table. One query."""
    wanted = Q(id__in=used_ids)
    if has_areas:
        wanted |= Q(scope=IndicatorDefinition.Scope.AREA, active=True)
    return list(IndicatorDefinition.objects.filter(wanted).order_by("order", "code"))


def indicator_completion_table(contract: Contract, cutoff: date) -> CompletionTable:
    """附件1 for (contract, cut-off): rows per 片区 plus 合计, and the station-wide indicators.

    - 考核期 = whole calendar months from the contract start to the cut-off (capped at the contract end);
    - columns: the per-片区 catalogue (active scope-"area" indicators, in order — 附件1 prints every column, "/" where
      a 片区 has no target) plus any area indicator with figures on this contract;
    - station rows: indicators with a station-wide (片区 empty) target or actual; a contract without 片区
      (113X contracts, seeds 003/004) therefore shows all its indicators here;
    - 合计 sums targets and actuals first, then divides (seed 001: 入户探访 1011/1400 → 72.21%).
    """
    months = months_in_period(contract.start_date, min(cutoff, contract.end_date))
    pace = calculations.contract_pace(contract.start_date, contract.end_date, cutoff)

    areas = list(contract.service_areas.order_by("order", "id"))
    targets: dict[tuple[int | None, int], Decimal] = {
        (t["service_area_id"], t["indicator_id"]): t["value"]
        for t in Target.objects.filter(contract=contract).values("service_area_id", "indicator_id", "value")
    }
    by_month: dict[tuple[int | None, int], dict[date, Decimal]] = defaultdict(dict)
    if months:
        actuals = MonthlyActual.objects.filter(contract=contract, month__gte=months[0], month__lte=months[-1])
        for a in actuals.values("service_area_id", "indicator_id", "month", "value"):
            by_month[(a["service_area_id"], a["indicator_id"])][a["month"]] = a["value"]

    used_ids = {key[1] for key in targets} | {key[1] for key in by_month}
    indicators = contract_indicators(used_ids=used_ids, has_areas=bool(areas))

    def cell(area_id: int | None, indicator: IndicatorDefinition) -> CompletionCell:
        values = by_month.get((area_id, indicator.id))
        actual = calculations.accumulate(values, indicator.accumulation, months) if values else None
        target = targets.get((area_id, indicator.id))
        rate = calculations.completion_rate(actual, target)
        return CompletionCell(indicator=indicator, target=target, actual=actual, rate=rate, pace=pace)

    area_ids = {a.id for a in areas}
    per_area_ids = {key[1] for key in list(targets) + list(by_month) if key[0] in area_ids}
    area_columns = (
        [i for i in indicators if i.scope == IndicatorDefinition.Scope.AREA or i.id in per_area_ids] if areas else []
    )
    area_rows = [
        AreaRow(area=area, cells=[cell(area.id, ind) for ind in area_columns], social_workers=area.social_workers)
        for area in areas
    ]
    total_row = None
    if areas:
        total_cells = []
        for index, indicator in enumerate(area_columns):
            column = [row.cells[index] for row in area_rows]
            total_cells.append(
                CompletionCell(
                    indicator=indicator,
                    target=_sum([c.target for c in column]),
                    actual=_sum([c.actual for c in column]),
                    # 片区 without a target add nothing to either sum of the rate (calculations.total_rate).
                    rate=calculations.total_rate((c.actual, c.target) for c in column),
                    pace=pace,
                )
            )
        total_row = AreaRow(area=None, cells=total_cells, social_workers=sum(a.social_workers for a in areas))

    station_ids = {key[1] for key in list(targets) + list(by_month) if key[0] is None}
    station_rows = [StationRow(indicator=i, cell=cell(None, i)) for i in indicators if i.id in station_ids]
    return CompletionTable(
        contract=contract, cutoff=cutoff, months=months, pace=pace, area_columns=area_columns,
        area_rows=area_rows, total_row=total_row, station_rows=station_rows, groups=_column_groups(area_columns),
    )

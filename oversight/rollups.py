"""City and province rollups (issue 10 §7), read from the summary tables (oversight.summary): completion per district
× indicator × quarter, the district comparison, a quarterly trend and the per-station ordering of the pace chart.

Nothing here loops over stations or monthly actuals: each function is a fixed number of queries over rows per district
× indicator × contract period × month (oversight.summary.DistrictMonthFigure) — or, for one station's trend and the
pace chart's page, per contract — whatever the number of stations. Each first calls summary.refresh(), so that what it
reads includes every committed write.

Rules (DOMAIN.md "Indicators, targets, actuals"):
- a flow indicator's 完成量 is the sum of its monthly actuals; a stock indicator (建档) takes each 片区's latest month
  with data (up to the cut-off, or within the quarter), summed over 片区 and stations;
- 完成率 = Σ 完成量 ÷ Σ 协议量 (sums first, then divide), "/" without a target;
- time pace: a contract's months elapsed at the cut-off of its total months (indicators.calculations.contract_pace);
  the on-pace amount of a district is Σ 协议量 × elapsed ÷ total over its contract periods. A stock indicator's on-pace
  amount is its target.
- a scope is the contracts in effect at the cut-off — their period includes the cut-off's month — in the given
  districts (None: every district): the month whose figures the rollup shows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import F, Q, QuerySet, Sum

from evalportal.periods import Quarter, month_end, month_start
from indicators.calculations import completion_rate, format_percent
from indicators.models import IndicatorDefinition

from . import summary
from .models import ContractMonthFigure, DistrictMonthFigure, DistrictTarget

STOCK = IndicatorDefinition.Accumulation.STOCK
FLOW = IndicatorDefinition.Accumulation.FLOW


class PercentDisplay:
    """完成率 and 时间进度 as the tables print them (format_percent), for rows that have `rate` and `pace`."""

    @property
    def rate_percent(self) -> str:
        return format_percent(self.rate)

    @property
    def pace_percent(self) -> str:
        return format_percent(self.pace)


class CompletionFigures(PercentDisplay):
    """A row's 完成率 (actual ÷ target) and pace (expected ÷ target: what time pace asks by the cut-off)."""

    @property
    def rate(self) -> Decimal | None:
        return completion_rate(self.actual, self.target)

    @property
    def pace(self) -> Decimal | None:
        return completion_rate(self.expected, self.target)


@dataclass
class DistrictIndicator(CompletionFigures):
    """One district × indicator: Σ 协议量, Σ on-pace amount, Σ 完成量 to the cut-off (see the module's rules)."""

    district_id: int
    district: str
    indicator: IndicatorDefinition
    target: Decimal | None = None
    expected: Decimal | None = None
    actual: Decimal | None = None



@dataclass
class QuarterCell:
    """completion per district × indicator × quarter: the quarter's 完成量 and the cumulative 完成率 at its end."""

    district_id: int
    district: str
    indicator: IndicatorDefinition
    quarter: Quarter
    actual: Decimal | None  # the quarter's flow sum, or the stock value at its latest month with data
    cumulative: Decimal | None  # flow: Σ quarters up to this one; stock: as `actual`
    target: Decimal | None

    @property
    def rate(self) -> Decimal | None:
        return completion_rate(self.cumulative, self.target) if self.cumulative is not None else None


def _indicators(indicator_ids) -> dict[int, IndicatorDefinition]:
    qs = IndicatorDefinition.objects.all()
    if indicator_ids is not None:
        qs = qs.filter(pk__in=list(indicator_ids))
    return {i.pk: i for i in qs}


def _scoped(qs: QuerySet, districts, cutoff: date | None, indicator_ids) -> QuerySet:
    """Rows of the districts (None: all), of the periods in effect at the cut-off (None: any), of the indicators."""
    if districts is not None:
        qs = qs.filter(district_id__in=list(districts))
    if cutoff is not None:
        qs = qs.filter(first_month__lte=month_start(cutoff), last_month__gte=month_start(cutoff))
    if indicator_ids is not None:
        qs = qs.filter(indicator_id__in=list(indicator_ids))
    return qs


def contracts_in_effect(districts, cutoff: date) -> QuerySet:
    """The contracts of the districts in effect at the cut-off (the rollups' scope, on the contracts table)."""
    from stations.models import Contract

    qs = Contract.objects.filter(start_date__lte=cutoff, end_date__gte=month_start(cutoff))
    return qs if districts is None else qs.filter(station__street__district__in=list(districts))


def _closing_rows(qs: QuerySet, cutoff: date, first: date | None = None) -> QuerySet:
    """The rows that hold a quarter's figure at the cut-off: each period's last month of the quarter up to the
    cut-off (the quarter's last month, the period's last month, or the cut-off's month)."""
    closes = Q(month__month__in=(3, 6, 9, 12)) | Q(month=F("last_month")) | Q(month=month_start(cutoff))
    qs = qs.filter(closes, month__lte=month_start(cutoff))
    return qs if first is None else qs.filter(month__gte=month_start(first))


def targets_by_district(districts, cutoff: date, indicator_ids=None) -> dict[tuple[int, int], tuple]:
    """(district, indicator) → (Σ 协议量, Σ on-pace amount) of the contracts in effect: one query."""
    stock = set(IndicatorDefinition.objects.filter(accumulation=STOCK).values_list("pk", flat=True))
    sums: dict[tuple[int, int], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    rows = _scoped(DistrictTarget.objects.all(), districts, cutoff, indicator_ids).values_list(
        "district_id", "indicator_id", "first_month", "counted_last", "total", "target")
    for d, i, first, counted_last, total, target in rows:
        pace = summary.period_pace(first, counted_last, total, cutoff)
        cell = sums[(d, i)]
        cell[0] += target
        cell[1] += target if i in stock else target * pace.elapsed / pace.total
    return {key: (t, e) for key, (t, e) in sums.items()}


def _district_names(ids) -> dict[int, str]:
    from stations.models import District

    return dict(District.objects.filter(pk__in=list(ids)).values_list("pk", "name"))


def completion_by_district(districts, cutoff: date, indicator_ids=None) -> list[DistrictIndicator]:
    """Σ 协议量, on-pace amount and 完成量 to the cut-off per district × indicator of the contracts in effect (district
    comparison; 4 queries and the refresh's check)."""
    summary.refresh()
    indicators = _indicators(indicator_ids)
    targets = targets_by_district(districts, cutoff, indicators.keys())
    at_cutoff = _scoped(DistrictMonthFigure.objects.filter(month=month_start(cutoff), cumulative__isnull=False),
                        districts, None, indicators.keys())
    actual = {(d, i): total for d, i, total in
              at_cutoff.values_list("district_id", "indicator_id").annotate(total=Sum("cumulative")).order_by()}
    keys = set(targets) | set(actual)
    names = _district_names({d for d, _ in keys})
    rows = [
        DistrictIndicator(d, names.get(d, ""), indicators[i], *(targets.get((d, i)) or (None, None)),
                          actual.get((d, i)))
        for d, i in keys
    ]
    rows.sort(key=lambda r: (r.district_id, r.indicator.order, r.indicator.code))
    return rows


def completion_by_district_quarter(districts, cutoff: date, indicator_ids=None) -> list[QuarterCell]:
    """completion per district × indicator × quarter (issue 10 §7) of the contracts in effect at the cut-off, up to
    it: each quarter's 完成量 and the cumulative 完成率 at its end; 4 queries whatever the number of stations."""
    summary.refresh()
    indicators = _indicators(indicator_ids)
    targets = targets_by_district(districts, cutoff, indicators.keys())
    rows = (
        _closing_rows(_scoped(DistrictMonthFigure.objects.filter(quarter_value__isnull=False), districts, cutoff,
                              indicators.keys()), cutoff)
        .values_list("district_id", "indicator_id", "month")
        .annotate(value=Sum("quarter_value"), cumulative=Sum("cumulative")).order_by()
    )
    cells_by_key: dict[tuple[int, int, Quarter], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for d, i, month, value, cumulative in rows:
        cell = cells_by_key[(d, i, Quarter.of(month))]
        cell[0] += value
        cell[1] += cumulative or 0
    names = _district_names({d for d, _, _ in cells_by_key} | {d for d, _ in targets})
    cells = [  # a stock indicator's cumulative figure is the quarter's own (each 片区's latest month in it)
        QuarterCell(d, names.get(d, ""), indicators[i], quarter, value,
                    value if indicators[i].accumulation == STOCK else cumulative,
                    (targets.get((d, i)) or (None, None))[0])
        for (d, i, quarter), (value, cumulative) in cells_by_key.items()
    ]
    cells.sort(key=lambda c: (c.district_id, c.indicator.order, c.indicator.code, c.quarter))
    return cells


def quarter_values(indicator: IndicatorDefinition, first: date, cutoff: date, *, districts=None,
                   station=None) -> dict[Quarter, Decimal]:
    """Each calendar quarter's 完成量 of one indicator from `first` to the cut-off, over every contract (any year) of a
    station, or of the districts: one GROUP BY."""
    summary.refresh()
    if station is not None:
        qs = ContractMonthFigure.objects.filter(station=station, indicator=indicator)
    else:
        qs = _scoped(DistrictMonthFigure.objects.all(), districts, None, [indicator.pk])
    values: dict[Quarter, Decimal] = defaultdict(Decimal)
    for month, value in (_closing_rows(qs.filter(quarter_value__isnull=False), cutoff, first)
                         .values_list("month").annotate(v=Sum("quarter_value")).order_by()):
        values[Quarter.of(month)] += value
    return dict(values)


def station_completion(districts, indicator: IndicatorDefinition, cutoff: date) -> QuerySet:
    """The contracts in effect at the cut-off in the districts with the indicator (a target or an actual), as summary
    rows of the cut-off's month: Σ 协议量 (`target`), 完成量 to the cut-off (`cumulative`), pace (`elapsed`/`total`),
    ordered by the gap 完成率 − 时间进度 (a stock indicator's pace is 100%), furthest behind first, contracts without a
    target last — by the database through an index, so that a page costs the same at any number of stations."""
    summary.refresh()
    return (
        _scoped(ContractMonthFigure.objects.filter(month=month_start(cutoff)), districts, None, [indicator.pk])
        .select_related("contract__station__street__district")
        .order_by(F("gap").asc(nulls_last=True), "contract_id")
    )


def cutoff_for(today: date) -> date:
    """The last complete month's last day (or today when it is a month's last day)."""
    from .dashboard import last_complete_month

    return month_end(last_complete_month(today))

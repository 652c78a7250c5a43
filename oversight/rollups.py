"""City and province rollups (issue 10 §7), computed in the database: aggregates over the contracts of a scope.

Nothing here loops over stations: each function is a fixed number of GROUP BY queries whose result has one row per
district × indicator × quarter (or month), whatever the number of stations behind it. The few Python loops run over
those aggregate rows only.

Rules (DOMAIN.md "Indicators, targets, actuals"):
- a flow indicator's 完成量 is the sum of its monthly actuals; a stock indicator (建档) takes each 片区's latest month
  with data (up to the cut-off, or within the quarter), summed over 片区 and stations;
- 完成率 = Σ 完成量 ÷ Σ 协议量 (sums first, then divide), "/" without a target;
- time pace: a contract's months elapsed at the cut-off (whole months, the first calendar month counted) of its
  total months, as indicators.calculations.contract_pace, here as SQL expressions so that Σ (协议量 × elapsed ÷ total)
  — the on-pace amount of a district — is one aggregate too. A stock indicator's on-pace amount is its target.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import (
    Cast,
    ExtractDay,
    ExtractMonth,
    ExtractQuarter,
    ExtractYear,
    Greatest,
    Least,
)
from django.db.models.lookups import IsNull

from evalportal.periods import Quarter, month_end
from indicators.calculations import completion_rate, format_percent
from indicators.models import IndicatorDefinition, MonthlyActual, Target

STOCK = IndicatorDefinition.Accumulation.STOCK
FLOW = IndicatorDefinition.Accumulation.FLOW


def _last_day_of_month(day, month, year) -> Q:
    """`day` is its month's last day (for contract_months' clamped anniversary: 01-31 + 1 month = 02-28)."""
    return (
        Q(**{f"{day}": 31})
        | (Q(**{f"{day}": 30}) & Q(**{f"{month}__in": (4, 6, 9, 11)}))
        | (Q(**{f"{day}": 29}) & Q(**{f"{month}": 2}))
        | (Q(**{f"{day}": 28}) & Q(**{f"{month}": 2}) & ~Q(**{f"{year}__in": _leap_years()}))
    )


def _leap_years() -> list[int]:
    return [y for y in range(2000, 2101) if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)]


def pace_expressions(prefix: str, cutoff: date):
    """(elapsed, total) months of the contract at `prefix` ("" on Contract itself, "contract__" from a Target) at a
    cut-off that is a month's last day, as SQL expressions equal to contract_pace(start, end, cutoff)."""
    start, end = F(f"{prefix}start_date"), F(f"{prefix}end_date")
    s_index = ExtractYear(start) * 12 + ExtractMonth(start)
    e_index = ExtractYear(end) * 12 + ExtractMonth(end)
    anniversary_within = Q(**{f"{prefix}start_date__day__lte": ExtractDay(end)}) | _last_day_of_month(
        f"{prefix}end_date__day", f"{prefix}end_date__month", f"{prefix}end_date__year"
    )
    total = Greatest(
        e_index - s_index + Case(When(anniversary_within, then=Value(1)), default=Value(0),
                                 output_field=IntegerField()),
        Value(1),
    )
    # whole months from the start's month to the cut-off's month, capped by the contract's end (a month counts only
    # when the cut-off — or the end date — reaches its last day) and by the total
    c_index = cutoff.year * 12 + cutoff.month
    end_counts = Case(
        When(_last_day_of_month(f"{prefix}end_date__day", f"{prefix}end_date__month", f"{prefix}end_date__year"),
             then=e_index),
        default=e_index - 1, output_field=IntegerField(),
    )
    elapsed = Greatest(Least(Least(Value(c_index), end_counts) - s_index + 1, total), Value(0))
    return elapsed, total


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


DISTRICT = "contract__station__street__district"


def _indicators(indicator_ids) -> dict[int, IndicatorDefinition]:
    qs = IndicatorDefinition.objects.all()
    if indicator_ids is not None:
        qs = qs.filter(pk__in=list(indicator_ids))
    return {i.pk: i for i in qs}


def targets_by_district(contracts: QuerySet, cutoff: date, indicator_ids=None) -> dict[tuple[int, int], tuple]:
    """(district, indicator) → (Σ 协议量, Σ on-pace amount): one query."""
    elapsed, total = pace_expressions("contract__", cutoff)
    qs = Target.objects.filter(contract__in=contracts.values("pk"))
    if indicator_ids is not None:
        qs = qs.filter(indicator__in=list(indicator_ids))
    # float division (SQLite would divide integers); the on-pace amount is only shown as a rounded percentage
    real = FloatField()
    on_pace = Case(
        When(indicator__accumulation=STOCK, then=Cast("value", real)),
        default=Cast("value", real) * elapsed / Cast(total, real),
        output_field=real,
    )
    rows = (
        qs.values_list(f"{DISTRICT}_id", "indicator_id")
        .annotate(target=Sum("value"), expected=Sum(on_pace))
        .order_by()
    )
    return {(d, i): (t, None if e is None else Decimal(str(e))) for d, i, t, e in rows}


def _actuals(contracts: QuerySet, cutoff: date, indicator_ids, accumulation: str) -> QuerySet:
    qs = MonthlyActual.objects.filter(
        contract__in=contracts.values("pk"), month__lte=cutoff, indicator__accumulation=accumulation
    )
    if indicator_ids is not None:
        qs = qs.filter(indicator__in=list(indicator_ids))
    return qs


def flow_by_quarter(contracts: QuerySet, cutoff: date, indicator_ids=None):
    """(district, indicator, year, quarter, Σ value) of flow indicators: one GROUP BY."""
    return (
        _actuals(contracts, cutoff, indicator_ids, FLOW)
        .annotate(y=ExtractYear("month"), q=ExtractQuarter("month"))
        .values_list(f"{DISTRICT}_id", "indicator_id", "y", "q")
        .annotate(total=Sum("value"))
        .order_by()
    )


def latest_stock_rows(qs: QuerySet, cutoff: date, *, per_quarter: bool = False) -> QuerySet:
    """The rows of `qs` (monthly actuals) that are the latest month of their contract × 片区 × indicator — within
    each calendar quarter when `per_quarter` — up to the cut-off: a stock indicator's value (建档 at month-end) is
    each 片区's latest month, summed over 片区 and stations (the dashboard's rule).

    "Latest" is NOT EXISTS a later month of the same contract × 片区 × indicator: a range on the unique index
    (contract, 片区, indicator, month), a few rows at most, per stock row."""
    later = MonthlyActual.objects.filter(
        Q(service_area=OuterRef("service_area")) | (Q(service_area__isnull=True) & IsNull(OuterRef("service_area"), True)),
        contract=OuterRef("contract"), indicator=OuterRef("indicator"), month__gt=OuterRef("month"),
        month__lte=cutoff,
    )
    if per_quarter:
        later = later.annotate(ly=ExtractYear("month"), lq=ExtractQuarter("month")).filter(
            ly=ExtractYear(OuterRef("month")), lq=ExtractQuarter(OuterRef("month")))
        qs = qs.annotate(y=ExtractYear("month"), q=ExtractQuarter("month"))
    return qs.filter(~Exists(later))


def stock_by_quarter(contracts: QuerySet, cutoff: date, indicator_ids=None):
    """(district, indicator, year, quarter, Σ value) of stock indicators, each 片区 at its latest month of the
    quarter: one GROUP BY with a correlated subquery."""
    return (
        latest_stock_rows(_actuals(contracts, cutoff, indicator_ids, STOCK), cutoff, per_quarter=True)
        .values_list(f"{DISTRICT}_id", "indicator_id", "y", "q")
        .annotate(total=Sum("value"))
        .order_by()
    )


def stock_at_cutoff(contracts: QuerySet, cutoff: date, indicator_ids=None):
    """(district, indicator, Σ value) of stock indicators, each 片区 at its latest month up to the cut-off."""
    return (
        latest_stock_rows(_actuals(contracts, cutoff, indicator_ids, STOCK), cutoff)
        .values_list(f"{DISTRICT}_id", "indicator_id")
        .annotate(total=Sum("value"))
        .order_by()
    )


def _district_names(ids) -> dict[int, str]:
    from stations.models import District

    return dict(District.objects.filter(pk__in=list(ids)).values_list("pk", "name"))


def completion_by_district(contracts: QuerySet, cutoff: date, indicator_ids=None) -> list[DistrictIndicator]:
    """Σ 协议量, on-pace amount and 完成量 to the cut-off per district × indicator (district comparison; 4 queries +
    the indicator catalogue)."""
    indicators = _indicators(indicator_ids)
    targets = targets_by_district(contracts, cutoff, indicators.keys())
    actual: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for d, i, _y, _q, total in flow_by_quarter(contracts, cutoff, indicators.keys()):
        actual[(d, i)] += total
    for d, i, total in stock_at_cutoff(contracts, cutoff, indicators.keys()):
        actual[(d, i)] = total
    keys = set(targets) | set(actual)
    names = _district_names({d for d, _ in keys})
    rows = [
        DistrictIndicator(d, names.get(d, ""), indicators[i], *(targets.get((d, i)) or (None, None)),
                          actual.get((d, i)))
        for d, i in keys
    ]
    rows.sort(key=lambda r: (r.district_id, r.indicator.order, r.indicator.code))
    return rows


def completion_by_district_quarter(contracts: QuerySet, cutoff: date, indicator_ids=None) -> list[QuarterCell]:
    """completion per district × indicator × quarter (issue 10 §7) over the months of `contracts` up to the
    cut-off: 4 queries whatever the number of stations."""
    indicators = _indicators(indicator_ids)
    targets = targets_by_district(contracts, cutoff, indicators.keys())
    per_quarter: dict[tuple[int, int], dict[Quarter, Decimal]] = defaultdict(dict)
    for d, i, y, q, total in flow_by_quarter(contracts, cutoff, indicators.keys()):
        per_quarter[(d, i)][Quarter(y, q)] = total
    for d, i, y, q, total in stock_by_quarter(contracts, cutoff, indicators.keys()):
        per_quarter[(d, i)][Quarter(y, q)] = total
    names = _district_names({d for d, _ in per_quarter} | {d for d, _ in targets})
    cells = []
    for (d, i), quarters in per_quarter.items():
        indicator = indicators[i]
        running = Decimal(0)
        target = (targets.get((d, i)) or (None, None))[0]
        for quarter in sorted(quarters):
            value = quarters[quarter]
            running = value if indicator.accumulation == STOCK else running + value
            cells.append(QuarterCell(d, names.get(d, ""), indicator, quarter, value, running, target))
    cells.sort(key=lambda c: (c.district_id, c.indicator.order, c.indicator.code, c.quarter))
    return cells


def cutoff_for(today: date) -> date:
    """The last complete month's last day (or today when it is a month's last day)."""
    from .dashboard import last_complete_month

    return month_end(last_complete_month(today))

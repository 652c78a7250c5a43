"""The dashboard's charts (issue 10 §2) beside the grade distribution: their tables, read in the database, and their
SVGs, drawn on the server (no script, no CDN: they print and work offline). Each chart has a table behind it.

- completion vs pace per station: one indicator's 完成率 of each running contract against its time pace, sorted
  from the furthest behind (the ordering and the page are computed by the database: the page bounds the work);
- quarterly trend of one indicator for a station or a district (or the whole scope): each calendar quarter's 完成量;
- district comparison: one indicator's 完成率 and time pace per district (oversight.rollups), with the year's
  finalised evaluations (count, mean total) beside.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, NullIf

from evalportal.periods import Quarter
from indicators.calculations import completion_rate, percent_value
from indicators.models import IndicatorDefinition, MonthlyActual, Target
from reports.models import Evaluation

from .rollups import (
    STOCK,
    CompletionFigures,
    PercentDisplay,
    completion_by_district,
    flow_by_quarter,
    latest_stock_rows,
    pace_expressions,
    stock_by_quarter,
)

DECIMAL = DecimalField(max_digits=24, decimal_places=6)
FONT = 'font-family="Noto Sans CJK SC, sans-serif" font-size="12"'
BAR, PACE, BEHIND = "#1f4e79", "#c00000", "#c55a11"


# --- horizontal 完成率 bars (pace chart, district comparison) ----------------------------------------------------

CHART_WIDTH = 720
RATE_CAP = Decimal("1.5")  # bars stop at 150% on the drawing; the table has the figure


def _rate_chart_frame(label: str, rows: list, *, left: int, bar: int, gap: int, top: int,
                      legend: str) -> tuple[list[str], int, float]:
    """The opening of a horizontal 完成率 bar chart: the svg element, the 完成率 legend followed by `legend`, and the
    0–150% grid. Returns the parts so far, the height and the pixels per unit of rate."""
    height = top + len(rows) * (bar + gap) + 24
    scale = (CHART_WIDTH - left - 70) / float(RATE_CAP)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_WIDTH} {height}" role="img" '
             f'aria-label="{escape(label)}" {FONT}>',
             f'<rect x="{left}" y="6" width="12" height="12" fill="{BAR}"/><text x="{left + 16}" y="16">完成率</text>'
             + legend]
    for pct in (0, 50, 100, 150):
        x = left + pct / 100 * scale
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 20}" stroke="#ddd"/>'
                     f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" fill="#555">{pct}%</text>')
    return parts, height, scale


def _rate_bar(row, name: str, *, x: int, y: int, bar: int, scale: float, tick: float, baseline: int) -> str:
    """One row's 完成率 bar (orange when behind its pace) with its tooltip and the printed rate."""
    w = float(min(row.rate, RATE_CAP)) * scale
    colour = BEHIND if row.behind else BAR
    return (f'<rect x="{x}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour}">'
            f'<title>{escape(name)} 完成率 {row.rate_percent}，时间进度 {row.pace_percent}</title></rect>'
            f'<text x="{max(x + w, tick + 2) + 4:.1f}" y="{y + baseline}">{row.rate_percent}</text>')


# --- completion vs pace per station ------------------------------------------------------------------------------


def _sum_subquery(qs: QuerySet) -> Subquery:
    return Subquery(qs.order_by().values("contract").annotate(s=Sum("value")).values("s")[:1], output_field=DECIMAL)


def station_completion(contracts: QuerySet, indicator: IndicatorDefinition, cutoff: date) -> QuerySet:
    """Running contracts annotated with the indicator's Σ 协议量 (`target`), 完成量 to the cut-off (`actual`: flow
    summed; stock: each 片区's latest month with data, summed), time pace (`elapsed`/`total`) and the
    gap 完成率 − 时间进度 (a stock indicator's pace is 100%) (`gap`, a float for ordering only: the page prints exact Decimal rates), furthest behind
    first; contracts without a target last."""
    actuals = MonthlyActual.objects.filter(contract=OuterRef("pk"), indicator=indicator, month__lte=cutoff)
    if indicator.accumulation == STOCK:
        actuals = latest_stock_rows(actuals, cutoff)
    elapsed, total = pace_expressions("", cutoff)
    floaty = FloatField()
    return contracts.annotate(
        target=_sum_subquery(Target.objects.filter(contract=OuterRef("pk"), indicator=indicator)),
        actual=_sum_subquery(actuals),
        elapsed=elapsed,
        total=total,
    ).annotate(
        gap=ExpressionWrapper(
            Cast(Coalesce(F("actual"), Value(Decimal(0))), floaty) / NullIf(Cast(F("target"), floaty), Value(0.0))
            - (Value(1.0) if indicator.accumulation == STOCK else Cast(F("elapsed"), floaty) / Cast(F("total"), floaty)),
            output_field=floaty,
        )
    ).order_by(F("gap").asc(nulls_last=True), "station__name", "pk")


@dataclass
class PaceRow(PercentDisplay):
    contract: object
    target: Decimal | None
    actual: Decimal | None
    elapsed: int
    total: int
    accumulation: str = "flow"

    @property
    def rate(self) -> Decimal | None:
        return completion_rate(self.actual, self.target)

    @property
    def pace(self) -> Decimal:
        """Time pace: elapsed ÷ total months; a stock indicator must hold its whole target at every month-end."""
        return Decimal(1) if self.accumulation == STOCK else Decimal(self.elapsed) / Decimal(self.total)

    @property
    def gap_points(self) -> Decimal | None:
        """完成率 − 时间进度 in percentage points, as displayed (each rounded first, as the table prints them)."""
        rate = percent_value(self.rate)
        return None if rate is None else rate - percent_value(self.pace)

    @property
    def behind(self) -> bool:
        """Below the on-pace amount (indicators.calculations.Pace.is_behind, exact)."""
        from indicators.calculations import Pace

        return Pace(self.elapsed, self.total).is_behind(self.actual, self.target, self.accumulation)


def pace_rows(page_contracts, indicator: IndicatorDefinition) -> list[PaceRow]:
    return [PaceRow(c, c.target, c.actual, c.elapsed, c.total, indicator.accumulation) for c in page_contracts]


def _bar_label(name: str) -> str:
    return escape(name.removeprefix("广州市").removesuffix("社工服务站"))


def pace_chart_svg(rows: list[PaceRow], indicator: IndicatorDefinition) -> str:
    """One horizontal bar per station (完成率, capped at 150% on the drawing, the table has the figure) with a red
    tick at its time pace; bars behind pace are orange."""
    left, bar, gap, top = 170, 14, 6, 30
    parts, height, scale = _rate_chart_frame(
        f"各服务站{indicator.name}完成率与时间进度", rows, left=left, bar=bar, gap=gap, top=top,
        legend=f'<rect x="{left + 70}" y="6" width="12" height="12" fill="{BEHIND}"/>'
               f'<text x="{left + 86}" y="16">落后于时间进度</text>'
               f'<rect x="{left + 200}" y="5" width="3" height="14" fill="{PACE}"/>'
               f'<text x="{left + 208}" y="16">时间进度</text>')
    for i, row in enumerate(rows):
        y = top + i * (bar + gap)
        name = row.contract.station.name
        parts.append(f'<text x="{left - 6}" y="{y + 11}" text-anchor="end">{_bar_label(name)}</text>')
        tick = left + float(min(row.pace, RATE_CAP)) * scale
        if row.rate is not None:
            parts.append(_rate_bar(row, name, x=left, y=y, bar=bar, scale=scale, tick=tick, baseline=11))
        else:
            parts.append(f'<text x="{tick + 6:.1f}" y="{y + 11}" fill="#555">无协议量</text>')
        parts.append(f'<rect x="{tick - 1:.1f}" y="{y - 2}" width="3" height="{bar + 4}" fill="{PACE}"/>')
    parts.append("</svg>")
    return "".join(parts)


# --- quarterly trend ---------------------------------------------------------------------------------------------


@dataclass
class TrendRow:
    quarter: Quarter
    actual: Decimal | None
    change: Decimal | None  # against the previous quarter of the table


def last_ended_quarter(today: date) -> Quarter:
    current = Quarter.of(today)
    return Quarter(current.year - 1, 4) if current.quarter == 1 else Quarter(current.year, current.quarter - 1)


def quarter_range(last: Quarter, count: int) -> list[Quarter]:
    quarters = [last]
    while len(quarters) < count:
        q = quarters[-1]
        quarters.append(Quarter(q.year - 1, 4) if q.quarter == 1 else Quarter(q.year, q.quarter - 1))
    return quarters[::-1]


def indicator_trend(contracts: QuerySet, indicator: IndicatorDefinition, quarters: list[Quarter],
                    cutoff: date) -> list[TrendRow]:
    """Each quarter's 完成量 of the indicator over `contracts` (every contract year of the station or district):
    flow summed over the quarter's months; stock the Σ at the quarter's latest month with data. One GROUP BY."""
    first = quarters[0].start
    values: dict[Quarter, Decimal] = {}
    scope = contracts.filter(end_date__gte=first)
    if indicator.accumulation == STOCK:
        values = _stock_across_districts(scope, cutoff, indicator, first)
    else:
        for _d, _i, y, q, total in flow_by_quarter(scope, cutoff, [indicator.pk]).filter(month__gte=first):
            values[Quarter(y, q)] = values.get(Quarter(y, q), Decimal(0)) + total
    rows, previous = [], None
    for q in quarters:
        value = values.get(q)
        change = value - previous if value is not None and previous is not None else None
        rows.append(TrendRow(q, value, change))
        previous = value
    return rows


def _stock_across_districts(contracts, cutoff, indicator, first) -> dict[Quarter, Decimal]:
    values: dict[Quarter, Decimal] = {}
    for _d, _i, y, q, total in stock_by_quarter(contracts, cutoff, [indicator.pk]).filter(month__gte=first):
        values[Quarter(y, q)] = values.get(Quarter(y, q), Decimal(0)) + total
    return values


def trend_chart_svg(rows: list[TrendRow], indicator: IndicatorDefinition, title: str) -> str:
    """Vertical bars, one per quarter, with the value above each bar."""
    width, left, top, bottom = 720, 60, 24, 40
    height = 280
    plot_h = height - top - bottom
    n = max(len(rows), 1)
    slot = (width - left - 10) / n
    biggest = max((float(r.actual) for r in rows if r.actual is not None), default=0) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}各季度{escape(indicator.name)}完成量" {FONT}>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#888"/>',
             f'<text x="4" y="14" fill="#555">单位：{escape(indicator.get_unit_display())}</text>']
    for i, row in enumerate(rows):
        x = left + i * slot + slot * 0.2
        w = slot * 0.6
        label = f"{row.quarter.year % 100:02d}Q{row.quarter.quarter}"
        parts.append(f'<text x="{x + w / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{label}</text>')
        if row.actual is None:
            parts.append(f'<text x="{x + w / 2:.1f}" y="{top + plot_h - 4}" text-anchor="middle" fill="#555">—</text>')
            continue
        h = float(row.actual) / biggest * (plot_h - 16)
        y = top + plot_h - h
        value = _plain(row.actual)
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{BAR}">'
                     f'<title>{escape(row.quarter.label)} {value}</title></rect>'
                     f'<text x="{x + w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _plain(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- district comparison -----------------------------------------------------------------------------------------


@dataclass
class DistrictRow(CompletionFigures):
    district_id: int
    district: str
    stations: int
    target: Decimal | None
    expected: Decimal | None
    actual: Decimal | None
    evaluations: int
    mean_score: Decimal | None

    @property
    def behind(self) -> bool:
        return self.rate is not None and self.pace is not None and self.rate < self.pace


def district_comparison(contracts: QuerySet, evaluations: QuerySet, indicator: IndicatorDefinition, cutoff: date,
                        year: int) -> list[DistrictRow]:
    """Per district of the scope: running stations, the indicator's Σ 协议量 / on-pace amount / 完成量 (rollups) and
    the year's finalised evaluations (count and mean total, in the database)."""
    from stations.models import District

    stations = dict(contracts.values_list("station__street__district").annotate(n=Count("pk")).order_by())
    figures = {r.district_id: r for r in completion_by_district(contracts, cutoff, [indicator.pk])}
    scores = {
        d: (n, mean)
        for d, n, mean in evaluations.filter(status=Evaluation.Status.FINALISED, date__year=year)
        .values_list("contract__station__street__district").annotate(n=Count("pk"), mean=Avg("total_score"))
        .order_by()
    }
    rows = []
    for district in District.objects.filter(pk__in=set(stations) | set(figures)).order_by("code"):
        f = figures.get(district.pk)
        n, mean = scores.get(district.pk, (0, None))
        rows.append(DistrictRow(district.pk, district.name, stations.get(district.pk, 0),
                                f.target if f else None, f.expected if f else None, f.actual if f else None, n,
                                Decimal(mean) if mean is not None else None))
    return rows


def district_chart_svg(rows: list[DistrictRow], indicator: IndicatorDefinition) -> str:
    """Horizontal bars of 完成率 per district with the district's time pace as a red tick."""
    left, bar, gap, top = 80, 18, 8, 30
    parts, height, scale = _rate_chart_frame(
        f"各区{indicator.name}完成率与时间进度", rows, left=left, bar=bar, gap=gap, top=top,
        legend=f'<rect x="{left + 70}" y="5" width="3" height="14" fill="{PACE}"/>'
               f'<text x="{left + 78}" y="16">时间进度</text>')
    for i, row in enumerate(rows):
        y = top + i * (bar + gap)
        parts.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end">{escape(row.district)}</text>')
        if row.rate is None:
            parts.append(f'<text x="{left + 4}" y="{y + 13}" fill="#555">无协议量</text>')
            continue
        tick = left + float(min(row.pace, RATE_CAP)) * scale if row.pace is not None else left
        parts.append(_rate_bar(row, row.district, x=left, y=y, bar=bar, scale=scale, tick=tick, baseline=13))
        if row.pace is not None:
            parts.append(f'<rect x="{tick - 1:.1f}" y="{y - 2}" width="3" height="{bar + 4}" fill="{PACE}"/>')
    parts.append("</svg>")
    return "".join(parts)

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

from django.db.models import Sum

from evalportal.periods import Quarter, month_start
from indicators.calculations import completion_rate, contract_pace, percent_value
from indicators.models import IndicatorDefinition, Target

from . import summary
from .models import DistrictMonthFigure
from .rollups import (
    STOCK,
    CompletionFigures,
    PercentDisplay,
    completion_by_district,
    contracts_in_effect,
    quarter_values,
    station_completion,
)

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


class PaceListing:
    """The pace chart's rows for a Paginator at a cut-off (a month's last day): first the running contracts with the
    indicator at the cut-off, as the database orders them (oversight.rollups.station_completion), then the running
    contracts without (neither target nor actual for the indicator), by id. Each slice costs a bounded number of
    queries: a page reads its own rows only; the count reads the summary tables."""

    def __init__(self, districts, indicator: IndicatorDefinition, cutoff: date):
        self.districts, self.indicator, self.cutoff = districts, indicator, cutoff
        self.figures = station_completion(districts, indicator, cutoff)
        self.missing = (contracts_in_effect(districts, cutoff).exclude(pk__in=self.figures.values("contract_id"))
                        .select_related("station__street__district").order_by("pk"))

    def count(self) -> int:
        """From the summary tables (a few rows per district, however many stations): the contracts with the
        indicator's row at the cut-off's month, and all the contracts in effect in it (the rows' contracts among them:
        a contract has rows for the months of its period, the months it is in effect in)."""
        if not hasattr(self, "_counts"):
            month = month_start(self.cutoff)
            rows = DistrictMonthFigure.objects.filter(month=month, indicator=self.indicator)
            if self.districts is not None:
                rows = rows.filter(district_id__in=list(self.districts))
            with_figures = rows.aggregate(n=Sum("contracts"))["n"] or 0
            in_effect = sum(c for c, _ in summary.in_effect(self.districts, self.cutoff).values())
            self._counts = (with_figures, in_effect - with_figures)
        return sum(self._counts)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[PaceRow]:
        start, stop = window.start or 0, window.stop if window.stop is not None else self.count()
        self.count()
        with_figures = self._counts[0]
        rows = [PaceRow(f.contract, f.target, f.cumulative, f.elapsed, f.total, self.indicator.accumulation)
                for f in self.figures[start:min(stop, with_figures)]] if start < with_figures else []
        if stop > with_figures:
            contracts = list(self.missing[max(start - with_figures, 0):stop - with_figures])
            targets = dict(Target.objects.filter(contract__in=contracts, indicator=self.indicator)
                           .values_list("contract").annotate(t=Sum("value")).order_by())
            for c in contracts:
                pace = contract_pace(c.start_date, c.end_date, self.cutoff)
                rows.append(PaceRow(c, targets.get(c.pk), None, pace.elapsed, pace.total,
                                    self.indicator.accumulation))
        return rows


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


def indicator_trend(indicator: IndicatorDefinition, quarters: list[Quarter], cutoff: date, *, districts=None,
                    station=None) -> list[TrendRow]:
    """Each quarter's 完成量 of the indicator over every contract year of the station, or of the districts: flow summed
    over the quarter's months; stock the Σ of each 片区's latest month of the quarter (oversight.rollups)."""
    values = quarter_values(indicator, quarters[0].start, cutoff, districts=districts, station=station)
    rows, previous = [], None
    for q in quarters:
        value = values.get(q)
        change = value - previous if value is not None and previous is not None else None
        rows.append(TrendRow(q, value, change))
        previous = value
    return rows


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


def district_comparison(districts, indicator: IndicatorDefinition, cutoff: date, year: int) -> list[DistrictRow]:
    """Per district of the scope: the stations with a contract in effect at the cut-off, the indicator's Σ 协议量 /
    on-pace amount / 完成量 (rollups) and the year's finalised evaluations (count and mean total: Σ 总得分 ÷ count,
    exact, from the summary table DistrictGrade)."""
    from stations.models import District

    from .models import DistrictGrade

    stations = {d: n for d, (_, n) in summary.in_effect(districts, cutoff).items()}
    figures = {r.district_id: r for r in completion_by_district(districts, cutoff, [indicator.pk])}
    scores = {
        d: (n, total / n)
        for d, n, total in DistrictGrade.objects.filter(year=year, district_id__in=districts)
        .values_list("district_id").annotate(n=Sum("evaluations"), total=Sum("total_score")).order_by()
    }
    rows = []
    for district in District.objects.filter(pk__in=set(stations) | set(figures)).order_by("code"):
        f = figures.get(district.pk)
        n, mean = scores.get(district.pk, (0, None))
        rows.append(DistrictRow(district.pk, district.name, stations.get(district.pk, 0),
                                f.target if f else None, f.expected if f else None, f.actual if f else None, n,
                                mean))
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

"""The dashboard (总览, issue 10 §2): one row per station for its running contract, early warnings, charts.

A row: indicators behind time pace (and how many by more than the warning margin), the last ended quarter's
submission state, the certified staff's on-post shortfall (缺配) and 稳岗率 for the months elapsed (the 附件2
rules of stations.calculations), the latest finalised evaluation's total and grade. The rows of one page are
computed with a fixed number of queries (the summary table's figures at the cut-off month, submissions, returns,
staff sums, evaluations, payment tranches), whatever the number of stations; the page size bounds the work, and the
export computes every row of its scope with the same queries (the scope as a subquery).

拨付 (tranche state): the portal records each contract's tranches and their conditions (签订合同 / 中期评估合格以上 /
末期评估合格以上, stations.PaymentTranche) but not payments themselves; the row shows which conditions are met by the
finalised evaluations (reports.selectors.tranche_condition, the rule of the 拨付批次 page), never "paid".

Warnings (预警) follow the thresholds of WarningSettings, each with its reason and a link to the evidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, DateField, F, FilteredRelation, Func, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse

from evalportal.listing import url_maker
from evalportal.periods import Quarter, add_months, month_end, month_start, months_in_period
from indicators.calculations import contract_pace, format_percent
from indicators.models import IndicatorDefinition
from reports.models import Evaluation, Grade, PartyScore
from reports.selectors import tranche_condition
from stations.calculations import ZERO, StaffFigures
from stations.models import AuditEntry, Contract, PaymentTranche, QuarterSubmission, StaffMember

from . import summary
from .models import ContractMonthFigure, DistrictGrade, WarningSettings

PAGE_SIZE = 50
EXPORT_LIMIT = 5_000  # rows of one Excel export of the dashboard or a chart (a city has ~200 stations, a province 29,000)
HUNDRED = Decimal(100)
ONE_PLACE = Decimal("0.1")  # StaffMonth.on_post


def export_limit_note(what: str, advice: str) -> str:
    """The line under an export cut at EXPORT_LIMIT rows: what it holds and how to get the rest."""
    return f"仅导出前 {EXPORT_LIMIT} {what}（共超过 {EXPORT_LIMIT} {what}），{advice}。"


@dataclass
class Warning:
    kind: str
    reason: str
    url: str


@dataclass
class TrancheState:
    order: int
    percentage: Decimal
    met: bool
    basis: str


@dataclass
class StationRow:
    contract: Contract
    elapsed: int
    total_months: int
    indicators: int = 0
    behind: int = 0
    far_behind: int = 0
    quarter: Quarter | None = None
    quarter_state: str = ""  # approved / submitted / late / returned / overdue / due
    quarter_state_label: str = ""
    returns: int = 0
    shortfall: Decimal | None = None  # required certified 人·月 − actual (positive = 缺配)
    retention: Decimal | None = None
    evaluation: Evaluation | None = None
    tranches: list[TrancheState] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    url: str = ""  # the contract's page
    quarter_url: str = ""  # the last ended quarter's entry page
    tranches_url: str = ""

    @property
    def surplus(self) -> Decimal | None:
        """More certified 人·月 on post than required (a negative shortfall), shown as 超配 rather than a negative 缺配."""
        return -self.shortfall if self.shortfall is not None and self.shortfall < 0 else None

    @property
    def tranches_met(self) -> list[TrancheState]:
        return [t for t in self.tranches if t.met]

    @property
    def tranche_share_met(self) -> Decimal:
        """The share of the contract's payment whose tranche conditions are met (not what has been paid: the portal
        holds no payment records)."""
        return sum((t.percentage for t in self.tranches_met), Decimal(0))

    @property
    def tranche_label(self) -> str:
        if not self.tranches:
            return "未设置拨付批次"
        return f"已满足 {len(self.tranches_met)}/{len(self.tranches)} 期（{self.tranche_share_met.normalize():f}%）"

    @property
    def pace_percent(self) -> str:
        return format_percent(Decimal(self.elapsed) / Decimal(self.total_months)) if self.total_months else "—"

    @property
    def retention_percent(self) -> str:
        return format_percent(self.retention)


class ContractUrls:
    """The per-contract links of a page of rows: one evalportal.listing.url_maker per URL name (one reverse() each,
    then the row's contract code and quarter slug put in)."""

    def __init__(self):
        self._makers: dict[str, Callable[..., str]] = {}

    def __call__(self, name: str, code: str, quarter: str | None = None) -> str:
        args = (code,) if quarter is None else (code, quarter)
        maker = self._makers.get(name)
        if maker is None:
            maker = self._makers[name] = url_maker(name, len(args))
        return maker(*args)


class MonthStart(TruncMonth):
    """The first day of a date's month, computed by the database itself: SQLite's own date() function instead of the
    Python function Django registers for TruncMonth (called once per row); PostgreSQL's date_trunc as TruncMonth."""

    def as_sqlite(self, compiler, connection, **extra_context):
        return Func(self.lhs, template="date(%(expressions)s, 'start of month')",
                    output_field=DateField()).as_sql(compiler, connection, **extra_context)


def running_contracts(contracts: QuerySet, today: date) -> QuerySet:
    return contracts.filter(start_date__lte=today, end_date__gte=today)


def _last_ended_quarter(contract: Contract, today: date) -> Quarter | None:
    previous = Quarter.of(Quarter.of(today).start - timedelta(days=1))
    return None if previous.end < contract.start_date else previous


def last_complete_month(today: date) -> date:
    """The last month whose last day has passed (or is today): the dashboard's cut-off for actuals and staff."""
    return months_in_period(add_months(month_start(today), -1), today)[-1]


def station_rows(contracts: list[Contract], today: date, settings: WarningSettings,
                 scope: QuerySet | None = None) -> list[StationRow]:
    """The dashboard rows of running contracts (running at `today`): one page, or with `scope` (a queryset of those
    contracts' pks, used as a subquery instead of a list of ids) every contract of an export — the same fixed number
    of queries either way."""
    if not contracts:
        return []
    ids = scope if scope is not None else [c.pk for c in contracts]
    accumulations = dict(IndicatorDefinition.objects.values_list("pk", "accumulation"))
    cutoff = last_complete_month(today)
    rows, paces = {}, {}
    for contract in contracts:
        pace = paces[contract.pk] = contract_pace(contract.start_date, contract.end_date, today)
        rows[contract.pk] = StationRow(contract, pace.elapsed, pace.total)

    # completion against time pace, per indicator at contract level (片区 summed; a stock indicator takes each
    # 片区's latest month up to the cut-off): the summary table's row at the cut-off month (oversight.summary), or,
    # for a contract that starts after the cut-off month, its first month's row for Σ 协议量 (nothing done yet)
    # (indicator and month listed, for the table's unique index on contract, indicator, month)
    # (the few contracts that start later by a second SELECT of the same query: with an OR of both cases SQLite reads
    # every month of every contract of the page, ~1.5× the time)
    summary.refresh()
    last_day = month_end(cutoff)
    figures = ContractMonthFigure.objects.filter(indicator__in=list(accumulations), target__isnull=False).values_list(
        "contract_id", "indicator_id", "target", "cumulative")
    at_cutoff = figures.filter(contract__in=ids, month=cutoff)
    later = {c.pk: month_start(c.start_date) for c in contracts if c.start_date > last_day}
    if later:
        at_cutoff = at_cutoff.union(figures.filter(contract__in=list(later), month__in=sorted(set(later.values())),
                                                   month=F("first_month")), all=True)
    for contract_id, indicator_id, target, cumulative in at_cutoff:
        row = rows[contract_id]
        accumulation = accumulations[indicator_id]
        actual = ZERO if cumulative is None or row.contract.start_date > last_day else cumulative
        pace = paces[contract_id]
        row.indicators += 1
        if pace.is_behind(actual, target, accumulation):
            row.behind += 1
            expected = pace.expected(target, accumulation)
            if target and (expected - actual) * HUNDRED / target > settings.behind_margin:
                row.far_behind += 1

    # the last ended quarter's submission, and how often it was returned
    quarters = {c.pk: _last_ended_quarter(c, today) for c in contracts}
    wanted = {(pk, q.year, q.quarter) for pk, q in quarters.items() if q}
    submissions = {  # (status, submitted at)
        (contract_id, year, number): (status, submitted_at)
        for contract_id, year, number, status, submitted_at in QuarterSubmission.objects.filter(
            contract__in=ids, year__in={y for _, y, _ in wanted}, quarter__in={q for _, _, q in wanted}
        ).values_list("contract_id", "year", "quarter", "status", "submitted_at")
        if (contract_id, year, number) in wanted
    }
    returns = {
        (contract_id, slug): n
        for contract_id, slug, n in AuditEntry.objects.filter(
            contract__in=ids, action=AuditEntry.Action.RETURN, subject=AuditEntry.Subject.SUBMISSION
        ).values_list("contract_id", "quarter").annotate(n=Count("id")).order_by()
    }
    for pk, quarter in quarters.items():
        row = rows[pk]
        row.quarter = quarter
        if quarter is None:
            continue
        status, submitted_at = submissions.get((pk, quarter.year, quarter.quarter), (QuarterSubmission.Status.DRAFT, None))
        row.returns = returns.get((pk, quarter.slug), 0)
        if status == QuarterSubmission.Status.APPROVED:
            row.quarter_state, row.quarter_state_label = "approved", "审核通过"
        elif status == QuarterSubmission.Status.SUBMITTED:
            late = submitted_at and submitted_at.date() > quarter.deadline
            row.quarter_state, row.quarter_state_label = ("late", "逾期提交") if late else ("submitted", "按时提交")
        elif status == QuarterSubmission.Status.RETURNED:
            row.quarter_state, row.quarter_state_label = "returned", "已退回"
        elif today > quarter.deadline:
            row.quarter_state, row.quarter_state_label = "overdue", f"逾期 {(today - quarter.deadline).days} 天"
        else:
            row.quarter_state, row.quarter_state_label = "due", f"待提交（{quarter.deadline:%m-%d} 截止）"

    # staff: certified on-post shortfall and 稳岗率 over the months elapsed (附件2 rules, stations.calculations), summed
    # by the database per staff member over the months from the contract's first to the cut-off (the months elapsed
    # of a running contract; StaffMonth holds one row per staff member and month, on its first day).
    first_month = Q(months__month__gte=MonthStart("contract__start_date"))
    elapsed = FilteredRelation("months", condition=Q(months__month__lte=cutoff) & first_month)
    staff = defaultdict(list)
    for _pk, contract_id, certificate, on_post, full_months in (
        StaffMember.objects.filter(contract__in=ids).annotate(elapsed=elapsed)
        .values_list("pk", "contract_id", "certificate")
        .annotate(on_post=Sum("elapsed__on_post"), full_months=Count("elapsed", filter=Q(elapsed__on_post=1)))
        .order_by()
    ):
        # the sum at the field's one decimal place, as Python sums the values (SQLite's SUM drops it: 20, not 20.0)
        on_post = ZERO if on_post is None else on_post.quantize(ONE_PLACE)
        staff[contract_id].append((certificate != StaffMember.Certificate.NONE, on_post, full_months))
    for contract in contracts:
        months = len(months_in_period(contract.start_date, min(today, contract.end_date)))
        if not months or contract.pk not in staff:
            continue
        figures = StaffFigures(
            months=months, required=Decimal(contract.required_certified_staff * months),
            certified_effective=sum((on_post for certified, on_post, _ in staff[contract.pk] if certified), ZERO),
            continuing_staff=sum(1 for _, _, full in staff[contract.pk] if full == months),
            required_staff=contract.required_staff,
            certified_two_years=ZERO, uncertified_effective=ZERO, uncertified_two_years=ZERO,  # not shown here
        )
        rows[contract.pk].shortfall = -figures.surplus
        rows[contract.pk].retention = figures.retention_rate

    # the latest finalised evaluation of the station's running contract, and the tranche conditions it meets
    finalised: dict[int, dict[str, Evaluation]] = defaultdict(dict)
    for evaluation in Evaluation.objects.filter(contract__in=ids, status=Evaluation.Status.FINALISED).order_by("date"):
        rows[evaluation.contract_id].evaluation = evaluation
        finalised[evaluation.contract_id][evaluation.kind] = evaluation
    for tranche in PaymentTranche.objects.filter(contract__in=ids).order_by("contract", "order"):
        met, basis = tranche_condition(tranche, finalised[tranche.contract_id])
        rows[tranche.contract_id].tranches.append(TrancheState(tranche.order, tranche.percentage, met, basis))

    result = [rows[c.pk] for c in contracts]
    urls = ContractUrls()
    for row in result:
        code = row.contract.code
        row.url = urls("contract_detail", code)
        row.quarter_url = urls("quarter_entry", code, row.quarter.slug) if row.quarter else ""
        row.tranches_url = urls("evaluation_contract_tranches", code)
        row.warnings = warnings_for(row, today, settings, urls)
    return result


def warnings_for(row: StationRow, today: date, settings: WarningSettings,
                 urls: ContractUrls | None = None) -> list[Warning]:
    code = row.contract.code
    urls = urls or ContractUrls()
    result = []
    if row.far_behind >= settings.behind_indicators:
        result.append(Warning(
            "pace", f"{row.far_behind} 项指标完成率低于时间进度 {settings.behind_margin:g} 个百分点以上",
            urls("contract_detail", code)))
    quarter = row.quarter
    if quarter and row.quarter_state == "overdue" and (today - quarter.deadline).days > settings.overdue_days:
        result.append(Warning("overdue", f"{quarter.label}数据逾期 {(today - quarter.deadline).days} 天未提交",
                              urls("quarter_entry", code, quarter.slug)))
    if quarter and row.returns >= settings.returned_times:
        result.append(Warning("returned", f"{quarter.label}数据已被退回 {row.returns} 次",
                              urls("quarter_audit", code, quarter.slug)))
    if row.shortfall is not None and row.shortfall > settings.staff_shortfall:
        result.append(Warning("staff", f"持证社工缺配 {row.shortfall:g} 人·月",
                              urls("staff_list", code)))
    if row.retention is not None and row.retention * HUNDRED < settings.retention_min:
        result.append(Warning("retention", f"稳岗率 {row.retention_percent} 低于 {settings.retention_min:g}%",
                              urls("staff_list", code)))
    return result


def late_evaluations(evaluations: QuerySet, today: date, settings: WarningSettings, limit: int = 20) -> list[Warning]:
    """Evaluations past their date (plus the grace days) without all four scores submitted."""
    qs = (
        evaluations.filter(status=Evaluation.Status.DRAFT, date__lt=today - timedelta(days=settings.evaluation_grace_days))
        .select_related("contract__station")
        .order_by("date", "code")[:limit]
    )
    page = list(qs)
    missing = dict(
        PartyScore.objects.filter(evaluation__in=[e.pk for e in page]).exclude(status=PartyScore.Status.SUBMITTED)
        .values_list("evaluation_id").annotate(n=Count("id")).order_by()
    )
    return [
        Warning("evaluation", f"{e.contract.station.name} {e.get_kind_display()}：评估日期 {e.date:%Y-%m-%d} 已过，"
                              f"尚有 {missing.get(e.pk, 0)} 方未提交得分", reverse("evaluation_detail", args=[e.code]))
        for e in page
    ]


# --- charts ----------------------------------------------------------------------------------------------------


@dataclass
class GradeRow:
    district: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def cells(self) -> list[int]:
        return [self.counts.get(g, 0) for g in Grade.values]


def grade_distribution(district_ids, year: int) -> list[GradeRow]:
    """Finalised evaluations of the year per district and grade, read from the summary table DistrictGrade (a few
    rows per district, however many stations; oversight.summary keeps it current)."""
    summary.refresh()
    table: dict[str, dict[str, int]] = {}
    for district, grade, n in (
        DistrictGrade.objects.filter(year=year, district_id__in=district_ids)
        .values_list("district__name", "grade", "evaluations")
        .order_by("district__code", "grade")
    ):
        table.setdefault(district, {g: 0 for g in Grade.values})[grade] = n
    return [GradeRow(d, counts) for d, counts in table.items()]


GRADE_COLOURS = {"excellent": "#1f4e79", "good": "#548235", "pass": "#c55a11", "fail": "#c00000"}


def grade_chart_svg(rows: list[GradeRow]) -> str:
    """Horizontal stacked bars, one per district (server-drawn SVG, no script; every label escaped)."""
    from xml.sax.saxutils import escape

    width, left, bar, gap, top = 640, 90, 18, 8, 28
    height = top + len(rows) * (bar + gap) + 10
    biggest = max((r.total for r in rows), default=1) or 1
    scale = (width - left - 40) / biggest
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="各区评估等级分布" font-family="Noto Sans CJK SC, sans-serif" font-size="12">']
    x = left
    for grade, label in Grade.choices:  # legend
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{GRADE_COLOURS[grade]}"/>'
                     f'<text x="{x + 16}" y="14">{escape(label)}</text>')
        x += 70
    for i, row in enumerate(rows):
        y = top + i * (bar + gap)
        parts.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end">{escape(row.district)}</text>')
        x = float(left)
        for grade in Grade.values:
            n = row.counts.get(grade, 0)
            if n:
                w = n * scale
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{GRADE_COLOURS[grade]}">'
                             f'<title>{escape(row.district)} {escape(Grade(grade).label)} {n}</title></rect>')
                x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 13}">{row.total}</text>')
    parts.append("</svg>")
    return "".join(parts)

"""The dashboard (总览, issue 10 §2): one row per station for its running contract, early warnings, charts.

A row: indicators behind time pace (and how many by more than the warning margin), the last ended quarter's
submission state, the certified staff's on-post shortfall (缺配) and 稳岗率 for the months elapsed (the 附件2
rules of stations.calculations), the latest finalised evaluation's total and grade. The rows of one page are
computed with a fixed number of queries (targets, actual sums, stock months, submissions, returns, staff months,
evaluations, payment tranches), whatever the number of stations; the page size bounds the work.

拨付 (tranche state): the portal records each contract's tranches and their conditions (签订合同 / 中期评估合格以上 /
末期评估合格以上, stations.PaymentTranche) but not payments themselves; the row shows which conditions are met by the
finalised evaluations (reports.selectors.tranche_condition, the rule of the 拨付批次 page), never "paid".

Warnings (预警) follow the thresholds of WarningSettings, each with its reason and a link to the evidence.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Max, QuerySet, Sum
from django.urls import reverse

from evalportal.periods import Quarter, add_months, month_start, months_in_period
from indicators.calculations import contract_pace, format_percent
from indicators.models import IndicatorDefinition, MonthlyActual, Target
from reports.models import Evaluation, Grade, PartyScore
from reports.selectors import tranche_condition
from stations.calculations import StaffFacts, StaffMonthFacts, staff_figures
from stations.models import AuditEntry, Contract, PaymentTranche, QuarterSubmission, StaffMember, StaffMonth

from .models import WarningSettings

PAGE_SIZE = 50
HUNDRED = Decimal(100)


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


def running_contracts(contracts: QuerySet, today: date) -> QuerySet:
    return contracts.filter(start_date__lte=today, end_date__gte=today)


def _last_ended_quarter(contract: Contract, today: date) -> Quarter | None:
    previous = Quarter.of(Quarter.of(today).start - timedelta(days=1))
    return None if previous.end < contract.start_date else previous


def last_complete_month(today: date) -> date:
    """The last month whose last day has passed (or is today): the dashboard's cut-off for actuals and staff."""
    return months_in_period(add_months(month_start(today), -1), today)[-1]


def station_rows(contracts: list[Contract], today: date, settings: WarningSettings) -> list[StationRow]:
    """The dashboard rows of one page of running contracts."""
    ids = [c.pk for c in contracts]
    indicators = {i.pk: i for i in IndicatorDefinition.objects.all()}
    cutoff = last_complete_month(today)
    rows = {}
    for contract in contracts:
        pace = contract_pace(contract.start_date, contract.end_date, today)
        rows[contract.pk] = StationRow(contract, pace.elapsed, pace.total)

    # completion against time pace, per indicator at contract level (片区 summed; a stock indicator takes each
    # 片区's latest month up to the cut-off)
    targets: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for contract_id, indicator_id, value in (
        Target.objects.filter(contract__in=ids).values_list("contract_id", "indicator_id")
        .annotate(total=Sum("value")).order_by()
    ):
        targets[(contract_id, indicator_id)] += value
    flows: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    latest: dict[tuple[int, int | None, int], date] = {}
    for contract_id, area_id, indicator_id, total, last in (
        MonthlyActual.objects.filter(contract__in=ids, month__lte=cutoff)
        .values_list("contract_id", "service_area_id", "indicator_id")
        .annotate(total=Sum("value"), last=Max("month"))
        .order_by()
    ):
        flows[(contract_id, indicator_id)] += total or 0
        latest[(contract_id, area_id, indicator_id)] = last
    stock_ids = [pk for pk, i in indicators.items() if i.accumulation == IndicatorDefinition.Accumulation.STOCK]
    stocks: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for contract_id, area_id, indicator_id, month, value in MonthlyActual.objects.filter(
        contract__in=ids, indicator__in=stock_ids, month__lte=cutoff
    ).values_list("contract_id", "service_area_id", "indicator_id", "month", "value"):
        if latest.get((contract_id, area_id, indicator_id)) == month:
            stocks[(contract_id, indicator_id)] += value
    for (contract_id, indicator_id), target in targets.items():
        row = rows[contract_id]
        indicator = indicators[indicator_id]
        stock = indicator.accumulation == IndicatorDefinition.Accumulation.STOCK
        actual = stocks[(contract_id, indicator_id)] if stock else flows[(contract_id, indicator_id)]
        pace = contract_pace(row.contract.start_date, row.contract.end_date, today)  # cached per dates
        row.indicators += 1
        if pace.is_behind(actual, target, indicator.accumulation):
            row.behind += 1
            expected = pace.expected(target, indicator.accumulation)
            if target and (expected - actual) * HUNDRED / target > settings.behind_margin:
                row.far_behind += 1

    # the last ended quarter's submission, and how often it was returned
    quarters = {c.pk: _last_ended_quarter(c, today) for c in contracts}
    wanted = {(pk, q.year, q.quarter) for pk, q in quarters.items() if q}
    submissions = {
        (s.contract_id, s.year, s.quarter): s
        for s in QuarterSubmission.objects.filter(contract__in=ids, year__in={y for _, y, _ in wanted})
        if (s.contract_id, s.year, s.quarter) in wanted
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
        submission = submissions.get((pk, quarter.year, quarter.quarter))
        row.returns = returns.get((pk, quarter.slug), 0)
        status = submission.status if submission else QuarterSubmission.Status.DRAFT
        if status == QuarterSubmission.Status.APPROVED:
            row.quarter_state, row.quarter_state_label = "approved", "审核通过"
        elif status == QuarterSubmission.Status.SUBMITTED:
            late = submission.submitted_at and submission.submitted_at.date() > quarter.deadline
            row.quarter_state, row.quarter_state_label = ("late", "逾期提交") if late else ("submitted", "按时提交")
        elif status == QuarterSubmission.Status.RETURNED:
            row.quarter_state, row.quarter_state_label = "returned", "已退回"
        elif today > quarter.deadline:
            row.quarter_state, row.quarter_state_label = "overdue", f"逾期 {(today - quarter.deadline).days} 天"
        else:
            row.quarter_state, row.quarter_state_label = "due", f"待提交（{quarter.deadline:%m-%d} 截止）"

    # staff: certified on-post shortfall and 稳岗率 over the months elapsed (附件2 rules)
    staff = list(StaffMember.objects.filter(contract__in=ids).values_list("pk", "contract_id", "certificate",
                                                                        "two_years_practice"))
    months_by_staff: dict[int, dict[date, StaffMonthFacts]] = defaultdict(dict)
    for staff_id, month, on_post, insured, paid in StaffMonth.objects.filter(
        staff__contract__in=ids, month__lte=cutoff
    ).values_list(
        "staff_id", "month", "on_post", "social_insurance", "salary_paid"
    ):
        months_by_staff[staff_id][month] = StaffMonthFacts(on_post, insured, paid)
    facts_by_contract: dict[int, list[StaffFacts]] = defaultdict(list)
    for staff_id, contract_id, certificate, two_years in staff:
        facts_by_contract[contract_id].append(
            StaffFacts(certified=certificate != StaffMember.Certificate.NONE, two_years_practice=two_years,
                       months=months_by_staff.get(staff_id, {}))
        )
    for contract in contracts:
        months = months_in_period(contract.start_date, min(today, contract.end_date))
        if not months or contract.pk not in facts_by_contract:
            continue
        figures = staff_figures(facts_by_contract[contract.pk], months,
                                required_certified=contract.required_certified_staff,
                                required_staff=contract.required_staff, subtotals=False)
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
    for row in result:
        row.warnings = warnings_for(row, today, settings)
    return result


def warnings_for(row: StationRow, today: date, settings: WarningSettings) -> list[Warning]:
    code = row.contract.code
    result = []
    if row.far_behind >= settings.behind_indicators:
        result.append(Warning(
            "pace", f"{row.far_behind} 项指标完成率低于时间进度 {settings.behind_margin:g} 个百分点以上",
            reverse("contract_detail", args=[code])))
    quarter = row.quarter
    if quarter and row.quarter_state == "overdue" and (today - quarter.deadline).days > settings.overdue_days:
        result.append(Warning("overdue", f"{quarter.label}数据逾期 {(today - quarter.deadline).days} 天未提交",
                              reverse("quarter_entry", args=[code, quarter.slug])))
    if quarter and row.returns >= settings.returned_times:
        result.append(Warning("returned", f"{quarter.label}数据已被退回 {row.returns} 次",
                              reverse("quarter_audit", args=[code, quarter.slug])))
    if row.shortfall is not None and row.shortfall > settings.staff_shortfall:
        result.append(Warning("staff", f"持证社工缺配 {row.shortfall:g} 人·月",
                              reverse("staff_list", args=[code])))
    if row.retention is not None and row.retention * HUNDRED < settings.retention_min:
        result.append(Warning("retention", f"稳岗率 {row.retention_percent} 低于 {settings.retention_min:g}%",
                              reverse("staff_list", args=[code])))
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


def grade_distribution(evaluations: QuerySet, year: int) -> list[GradeRow]:
    """Finalised evaluations of the year per district and grade: one aggregate query."""
    table: dict[str, dict[str, int]] = {}
    for district, grade, n in (
        evaluations.filter(status=Evaluation.Status.FINALISED, date__year=year)
        .values_list("contract__station__street__district__name", "grade")
        .annotate(n=Count("id"))
        .order_by("contract__station__street__district__code")
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

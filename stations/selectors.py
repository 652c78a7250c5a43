"""Reads for stations: the staff on-post table of a 考核期 (seed 001 附件2).

Three queries whatever the number of staff or months: the staff with their 片区, their months in the period
(prefetched), and the station-wide 培训时数 actual over the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, Sum

from evalportal.periods import months_in_period

from .calculations import MonthSubtotal, StaffFacts, StaffFigures, StaffMonthFacts, month_subtotals, staff_figures
from .models import Contract, StaffMember, StaffMonth

TRAINING_HOURS_CODE = "training_hours"  # the station-wide 培训时数 indicator (demo catalogue)


def training_hours(contract: Contract, months: list[date]) -> Decimal | None:
    """培训时数 over `months` for 附件2's average training hours (None when nothing was entered).

    Read through the reverse relation the indicators app declares on Contract (`actuals`): the figure belongs to
    the staff table, but this bottom app imports nothing from the apps above it (issue 8).
    """
    if not months:
        return None
    return contract.actuals.filter(
        service_area__isnull=True, indicator__code=TRAINING_HOURS_CODE, month__in=months
    ).aggregate(total=Sum("value"))["total"]


@dataclass(frozen=True)
class StaffRow:
    staff: StaffMember
    facts: StaffFacts
    months: list[StaffMonthFacts | None]  # aligned with StaffTable.months; None where no record
    effective: Decimal  # 人员到岗小计
    two_years: Decimal  # 2年以上的社工到岗小计


@dataclass(frozen=True)
class StaffTable:
    contract: Contract
    period_start: date
    period_end: date
    months: list[date]
    certified_rows: list[StaffRow]
    uncertified_rows: list[StaffRow]
    certified_subtotals: list[MonthSubtotal]
    uncertified_subtotals: list[MonthSubtotal]
    figures: StaffFigures
    intermediate_at_end: int  # 中级社工师 on post in the last month (seed 001: 7)
    assistant_at_end: int  # 助理社工师 on post in the last month (seed 001: 6)

    @property
    def total_subtotals(self) -> list[MonthSubtotal]:
        return self.figures.per_month


def _row(member: StaffMember, months: list[date]) -> StaffRow:
    facts = StaffFacts(
        certified=member.is_certified,
        two_years_practice=member.two_years_practice,
        months={
            m.month: StaffMonthFacts(on_post=m.on_post, social_insurance=m.social_insurance, salary_paid=m.salary_paid)
            for m in member.period_months
        },
    )
    return StaffRow(
        staff=member,
        facts=facts,
        months=[facts.months.get(m) for m in months],
        effective=facts.effective(months),
        two_years=facts.two_years_effective(months),
    )


def staff_on_post_table(contract: Contract, period_start: date, period_end: date) -> StaffTable:
    """附件2 for a 考核期: every worker with a month record in the period, certified first, in register order."""
    months = months_in_period(period_start, period_end)
    period_months = StaffMonth.objects.filter(month__in=months).order_by("month")
    staff = (
        StaffMember.objects.filter(contract=contract, months__month__in=months)
        .distinct()
        .select_related("service_area")
        .prefetch_related(Prefetch("months", queryset=period_months, to_attr="period_months"))
        .order_by("order", "id")
    )
    rows = [_row(member, months) for member in staff] if months else []
    certified = [r for r in rows if r.staff.is_certified]
    uncertified = [r for r in rows if not r.staff.is_certified]

    training = training_hours(contract, months)

    figures = staff_figures(
        [r.facts for r in rows],
        months,
        required_certified=contract.required_certified_staff,
        required_staff=contract.required_staff,
        training_hours=training,
    )
    last = months[-1] if months else None

    def on_post_at_end(certificate: str) -> int:
        return sum(
            1 for r in certified
            if r.staff.certificate == certificate and last in r.facts.months and r.facts.months[last].on_post > 0
        )

    return StaffTable(
        contract=contract,
        period_start=period_start,
        period_end=period_end,
        months=months,
        certified_rows=certified,
        uncertified_rows=uncertified,
        certified_subtotals=month_subtotals([r.facts for r in certified], months),
        uncertified_subtotals=month_subtotals([r.facts for r in uncertified], months),
        figures=figures,
        intermediate_at_end=on_post_at_end(StaffMember.Certificate.INTERMEDIATE),
        assistant_at_end=on_post_at_end(StaffMember.Certificate.ASSISTANT),
    )

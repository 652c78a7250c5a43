"""Pure rules for the staff on-post figures of a 考核期 (seed 001 附件2 and §六(一)). No ORM here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

ZERO = Decimal(0)


def format_halves(value: Decimal) -> str:
    """A count of 人次 in halves as 附件2 prints it: 77.5, 65, 100, -12.5 (never "1E+2" as Decimal.normalize gives).

    The page script static/js/staff_months.js formats the same way (formatHalves)."""
    if value == value.to_integral_value():
        return f"{int(value)}"
    return f"{value:.1f}"


@dataclass(frozen=True)
class StaffMonthFacts:
    on_post: Decimal  # 1, 0.5 or 0
    social_insurance: bool
    salary_paid: bool


@dataclass(frozen=True)
class StaffFacts:
    certified: bool
    two_years_practice: bool
    months: dict[date, StaffMonthFacts]

    def effective(self, months: Sequence[date]) -> Decimal:
        """人员到岗小计: Σ 人员到位 over the months (seed 001: 3.5 for a worker who left mid-March)."""
        return sum((self.months[m].on_post for m in months if m in self.months), ZERO)

    def two_years_effective(self, months: Sequence[date]) -> Decimal:
        """2年以上的社工到岗小计: the same sum, counted only for staff with ≥ 2 years in practice."""
        return self.effective(months) if self.two_years_practice else ZERO

    def continuing(self, months: Sequence[date]) -> bool:
        """On post the whole period: 人员到位 = 1 in every month (the numerator of 稳岗率)."""
        return bool(months) and all(m in self.months and self.months[m].on_post == 1 for m in months)


@dataclass(frozen=True)
class MonthSubtotal:
    """One month's 小计 row of 附件2: heads on post, effective 人次, 社保 and 工资 counts."""

    heads: int
    effective: Decimal
    social_insurance: int
    salary_paid: int


def month_subtotals(staff: Iterable[StaffFacts], months: Sequence[date]) -> list[MonthSubtotal]:
    rows = list(staff)
    result = []
    for m in months:
        facts = [s.months[m] for s in rows if m in s.months]
        result.append(
            MonthSubtotal(
                heads=sum(1 for f in facts if f.on_post > 0),
                effective=sum((f.on_post for f in facts), ZERO),
                social_insurance=sum(1 for f in facts if f.social_insurance),
                salary_paid=sum(1 for f in facts if f.salary_paid),
            )
        )
    return result


@dataclass(frozen=True)
class StaffFigures:
    """The 附件2 totals for a period, unrounded (format with indicators.calculations.format_percent)."""

    months: int
    certified_effective: Decimal  # 持证社工有效人次小计 (77.5)
    certified_two_years: Decimal  # (61)
    uncertified_effective: Decimal  # 非持证社工有效人次小计 (15)
    uncertified_two_years: Decimal  # (10)
    required: Decimal  # 应到岗 = required certified headcount × months (13 × 5 = 65)
    continuing_staff: int  # staff on post every month of the period (14)
    required_staff: int  # 协议要求在岗社工数 (20)
    training_hours: Decimal | None = None  # 培训时数 actual over the period (783.5)
    per_month: list[MonthSubtotal] = field(default_factory=list)

    @property
    def total_effective(self) -> Decimal:
        """社工有效人次总数 (92.5)."""
        return self.certified_effective + self.uncertified_effective

    @property
    def total_two_years(self) -> Decimal:
        return self.certified_two_years + self.uncertified_two_years

    @property
    def surplus(self) -> Decimal:
        """超配 = 实到岗 − 应到岗 for certified staff (77.5 − 65 = 12.5); negative when short."""
        return self.certified_effective - self.required

    @property
    def two_years_share(self) -> Decimal | None:
        """Share of ≥ 2-year staff in all effective 人次: 71 / 92.5 → 76.76%."""
        if self.total_effective == 0:
            return None
        return self.total_two_years / self.total_effective

    @property
    def retention_rate(self) -> Decimal | None:
        """稳岗率 = 持续在岗社工数 ÷ 协议要求在岗社工数 (14 / 20 → 70.00%)."""
        if not self.required_staff:
            return None
        return Decimal(self.continuing_staff) / Decimal(self.required_staff)

    @property
    def training_hours_per_worker_month(self) -> Decimal | None:
        """社工平均每月个人培训时数 = 培训时数 ÷ 社工有效人次 (783.5 / 92.5 → 8.47)."""
        if self.training_hours is None or self.total_effective == 0:
            return None
        return self.training_hours / self.total_effective


def staff_figures(
    staff: Iterable[StaffFacts],
    months: Sequence[date],
    *,
    required_certified: int,
    required_staff: int,
    training_hours: Decimal | None = None,
    subtotals: bool = True,
) -> StaffFigures:
    """The 附件2 totals; subtotals=False leaves per_month empty for callers that show only the totals (the
    dashboard's 缺配 and 稳岗率, computed for a page of stations)."""
    rows = list(staff)
    certified = [s for s in rows if s.certified]
    uncertified = [s for s in rows if not s.certified]
    return StaffFigures(
        months=len(months),
        certified_effective=sum((s.effective(months) for s in certified), ZERO),
        certified_two_years=sum((s.two_years_effective(months) for s in certified), ZERO),
        uncertified_effective=sum((s.effective(months) for s in uncertified), ZERO),
        uncertified_two_years=sum((s.two_years_effective(months) for s in uncertified), ZERO),
        required=Decimal(required_certified * len(months)),
        continuing_staff=sum(1 for s in rows if s.continuing(months)),
        required_staff=required_staff,
        training_hours=training_hours,
        per_month=month_subtotals(rows, months) if subtotals else [],
    )

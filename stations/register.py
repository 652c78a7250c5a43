"""Read side of the monthly on-post grid (issue 3 §4): one quarter's 人员到位/社保/工资 per staff member, and the
附件2 figures (stations.calculations.staff_figures) for the 考核期 from the contract start to the quarter's end.

Three queries whatever the number of staff: staff, their month records up to the quarter end, training hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from indicators.calculations import months_in_period
from indicators.models import MonthlyActual
from indicators.quarters import Quarter, month_in_period

from .calculations import StaffFacts, StaffFigures, StaffMonthFacts, staff_figures
from .models import Contract, StaffMember, StaffMonth
from .services import ON_POST_VALUES, StaffMonthChange

TRAINING_HOURS_CODE = "training_hours"  # the station-wide 培训时数 indicator (demo catalogue)


@dataclass
class MonthCell:
    month: date
    open: bool
    on_post: Decimal | None
    social_insurance: bool
    salary_paid: bool
    version: int
    error: str = ""
    conflict: str = ""

    @property
    def on_post_text(self) -> str:
        return "" if self.on_post is None else f"{self.on_post.normalize():f}"


@dataclass
class StaffGridRow:
    staff: StaffMember
    cells: list[MonthCell]
    effective: Decimal  # 到岗小计 over the 考核期 to date


@dataclass
class StaffMonthGrid:
    contract: Contract
    quarter: Quarter
    months: list[date]
    rows: list[StaffGridRow]
    figures: StaffFigures
    period_months: list[date]
    errors: int = 0
    _by_key: dict = field(default_factory=dict)

    def apply_conflicts(self, conflicts) -> None:
        for conflict in conflicts:
            cell = self._by_key.get(conflict.key)
            if cell is not None:
                cell.conflict = f"他人已改为：{conflict.current_value or '（空）'}"
                cell.version = conflict.current_version


def _field(staff_id: int, month: date, name: str) -> str:
    return f"{name}-{staff_id}-{month:%Y%m}"


def staff_month_grid(*, contract: Contract, quarter: Quarter) -> StaffMonthGrid:
    cutoff = min(quarter.end, contract.end_date)
    period_months = months_in_period(contract.start_date, cutoff)
    staff = list(StaffMember.objects.filter(contract=contract).select_related("service_area").order_by("order", "id"))
    records: dict[int, dict[date, StaffMonth]] = {}
    for record in StaffMonth.objects.filter(staff__contract=contract, month__lte=quarter.end):
        records.setdefault(record.staff_id, {})[record.month] = record
    training = _training_hours(contract, period_months) if period_months else None
    facts = []
    rows = []
    by_key = {}
    months = quarter.months
    for member in staff:
        own = records.get(member.pk, {})
        fact = StaffFacts(
            certified=member.is_certified, two_years_practice=member.two_years_practice,
            months={m: StaffMonthFacts(r.on_post, r.social_insurance, r.salary_paid) for m, r in own.items()},
        )
        facts.append(fact)
        in_quarter = any(m in own for m in months)
        active = (member.joined_on is None or member.joined_on <= quarter.end) and (
            member.left_on is None or member.left_on >= quarter.start
        )
        if not (in_quarter or active):
            continue
        cells = []
        for month in months:
            record = own.get(month)
            cell = MonthCell(
                month=month, open=month_in_period(month, contract.start_date, contract.end_date),
                on_post=record.on_post if record else None,
                social_insurance=record.social_insurance if record else False,
                salary_paid=record.salary_paid if record else False, version=record.version if record else 0,
            )
            cells.append(cell)
            by_key[(member.pk, month)] = cell
        rows.append(StaffGridRow(staff=member, cells=cells, effective=fact.effective(period_months)))
    figures = staff_figures(
        facts, period_months, required_certified=contract.required_certified_staff,
        required_staff=contract.required_staff, training_hours=training,
    )
    return StaffMonthGrid(contract=contract, quarter=quarter, months=months, rows=rows, figures=figures,
                          period_months=period_months, _by_key=by_key)


def _training_hours(contract: Contract, months: list[date]) -> Decimal | None:
    values = list(
        MonthlyActual.objects.filter(
            contract=contract, service_area__isnull=True, indicator__code=TRAINING_HOURS_CODE, month__in=months
        ).values_list("value", flat=True)
    )
    return sum(values, Decimal(0)) if values else None


def read_staff_month_post(grid: StaffMonthGrid, data) -> tuple[list[StaffMonthChange], int]:
    """Fill the grid with what was posted; return the changed months and the number of invalid cells."""
    changes = []
    errors = 0
    for row in grid.rows:
        for cell in row.cells:
            if not cell.open:
                continue
            name = _field(row.staff.pk, cell.month, "p")
            if name not in data:
                continue
            raw = data.get(name, "").strip()
            insurance = data.get(_field(row.staff.pk, cell.month, "s")) == "1"
            salary = data.get(_field(row.staff.pk, cell.month, "w")) == "1"
            try:
                version = int(data.get(_field(row.staff.pk, cell.month, "v"), cell.version))
            except ValueError:
                version = cell.version
            original = (cell.on_post, cell.social_insurance, cell.salary_paid) if cell.on_post is not None else None
            try:
                on_post = Decimal(raw) if raw else None
            except InvalidOperation:
                on_post = Decimal(-1)
            cell.on_post, cell.social_insurance, cell.salary_paid = on_post, insurance, salary
            cell.version = version
            if on_post is not None and on_post not in ON_POST_VALUES:
                cell.error = "人员到位只能为 1、0.5 或 0。"
                cell.on_post = None
                errors += 1
                continue
            if on_post is None and (insurance or salary):
                cell.error = "勾选社保或工资时须填写人员到位。"
                errors += 1
                continue
            wanted = (on_post, insurance, salary) if on_post is not None else None
            if wanted != original:
                changes.append(StaffMonthChange(
                    staff_id=row.staff.pk, month=cell.month, on_post=on_post, social_insurance=insurance,
                    salary_paid=salary, expected_version=version,
                ))
    grid.errors = errors
    return changes, errors

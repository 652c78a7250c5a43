"""Read side of the monthly on-post grid (issue 3 §4): one quarter's 人员到位/社保/工资 per staff member, and the
附件2 figures (stations.calculations.staff_figures) for the 考核期 from the contract start to the quarter's end.

Three queries whatever the number of staff: staff, their month records up to the quarter end, training hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from evalportal.periods import Quarter, month_in_period, months_in_period

from .calculations import StaffFacts, StaffFigures, StaffMonthFacts, staff_figures
from .changes import ON_POST_VALUES, StaffMonthChange
from .models import Contract, StaffMember, StaffMonth
from .selectors import training_hours


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
    in_period: bool = False  # counted in the 附件2 figures shown beside the grid
    # the values as the user's page showed them ("1|1|0", "" for no record), posted back with the grid so that only
    # the cells the user changed are saved: an untouched cell changed meanwhile by someone else is left alone
    original_text: str = ""
    stored_text: str = ""  # the values in the database when this request started

    @property
    def on_post_text(self) -> str:
        return "" if self.on_post is None else f"{self.on_post.normalize():f}"


# the only values of the 人员到位 select (seed 001 附件2: 1, 0.5, 0); anything else is refused at the cell
ON_POST_BY_TEXT = {f"{v.normalize():f}": v for v in ON_POST_VALUES}


def state_text(on_post: Decimal | None, social_insurance: bool, salary_paid: bool) -> str:
    if on_post is None:
        return ""
    return f"{on_post.normalize():f}|{int(social_insurance)}|{int(salary_paid)}"


def _parse_state(text: str) -> tuple[Decimal, bool, bool] | None | bool:
    """The posted original of a cell; False when it is missing or malformed (then the stored values are used)."""
    if text == "":
        return None
    parts = text.split("|")
    if len(parts) != 3 or parts[0] not in ON_POST_BY_TEXT or parts[1] not in ("0", "1") or parts[2] not in ("0", "1"):
        return False
    return ON_POST_BY_TEXT[parts[0]], parts[1] == "1", parts[2] == "1"


@dataclass
class StaffGridRow:
    staff: StaffMember
    cells: list[MonthCell]
    effective: Decimal  # 到岗小计 over the 考核期 to date
    # for the live figures (static/js/staff_months.js): this row's part of the 考核期 outside the grid's cells
    outside_effective: Decimal = Decimal(0)
    outside_continuing: bool = True  # 人员到位 = 1 in every 考核期 month outside the grid


@dataclass
class StaffMonthGrid:
    contract: Contract
    quarter: Quarter
    months: list[date]
    rows: list[StaffGridRow]
    figures: StaffFigures
    period_months: list[date]
    errors: int = 0
    # the figures of the staff not shown in the grid (left before the quarter): the page script adds each shown
    # row (its part outside the grid, data-outside*, and its cells) to these as the user edits
    base_certified: Decimal = Decimal(0)
    base_certified_two_years: Decimal = Decimal(0)
    base_uncertified: Decimal = Decimal(0)
    base_uncertified_two_years: Decimal = Decimal(0)
    base_continuing: int = 0
    _by_key: dict = field(default_factory=dict)

    def apply_conflicts(self, conflicts) -> None:
        for conflict in conflicts:
            cell = self._by_key.get(conflict.key)
            if cell is not None:
                cell.conflict = f"{conflict.changed_by} 已改为：{conflict.current_value or '（空）'}"
                cell.version = conflict.current_version
                cell.original_text = cell.stored_text  # saving again overwrites knowingly


def _field(staff_id: int, month: date, name: str) -> str:
    return f"{name}-{staff_id}-{month:%Y%m}"


def staff_month_grid(*, contract: Contract, quarter: Quarter) -> StaffMonthGrid:
    cutoff = min(quarter.end, contract.end_date)
    period_months = months_in_period(contract.start_date, cutoff)
    staff = list(StaffMember.objects.filter(contract=contract).select_related("service_area").order_by("order", "id"))
    records: dict[int, dict[date, StaffMonth]] = {}
    for record in StaffMonth.objects.filter(staff__contract=contract, month__lte=quarter.end):
        records.setdefault(record.staff_id, {})[record.month] = record
    training = training_hours(contract, period_months) if period_months else None
    facts = []
    rows = []
    by_key = {}
    months = quarter.months
    # months whose cells the grid shows and counts in the 考核期 (editable cells of the contract period)
    in_grid = [m for m in months if m in period_months and month_in_period(m, contract.start_date, contract.end_date)]
    outside = [m for m in period_months if m not in in_grid]
    base = {"certified": Decimal(0), "certified_two": Decimal(0), "uncertified": Decimal(0),
            "uncertified_two": Decimal(0), "continuing": 0}
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
        kind = "certified" if fact.certified else "uncertified"
        if not (in_quarter or active):
            base[kind] += fact.effective(period_months)
            base[f"{kind}_two"] += fact.two_years_effective(period_months)
            base["continuing"] += fact.continuing(period_months)
            continue
        cells = []
        for month in months:
            record = own.get(month)
            cell = MonthCell(
                month=month, open=month_in_period(month, contract.start_date, contract.end_date),
                on_post=record.on_post if record else None,
                social_insurance=record.social_insurance if record else False,
                salary_paid=record.salary_paid if record else False, version=record.version if record else 0,
                in_period=month in in_grid,
            )
            cell.stored_text = cell.original_text = state_text(cell.on_post, cell.social_insurance, cell.salary_paid)
            cells.append(cell)
            by_key[(member.pk, month)] = cell
        outside_effective = fact.effective(outside)
        rows.append(StaffGridRow(
            staff=member, cells=cells, effective=fact.effective(period_months), outside_effective=outside_effective,
            outside_continuing=all(m in own and own[m].on_post == 1 for m in outside),
        ))
    figures = staff_figures(
        facts, period_months, required_certified=contract.required_certified_staff,
        required_staff=contract.required_staff, training_hours=training,
    )
    return StaffMonthGrid(
        contract=contract, quarter=quarter, months=months, rows=rows, figures=figures, period_months=period_months,
        base_certified=base["certified"], base_certified_two_years=base["certified_two"],
        base_uncertified=base["uncertified"], base_uncertified_two_years=base["uncertified_two"],
        base_continuing=base["continuing"], _by_key=by_key,
    )


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
            stored = (cell.on_post, cell.social_insurance, cell.salary_paid) if cell.on_post is not None else None
            posted_original = data.get(_field(row.staff.pk, cell.month, "o"))
            original = stored if posted_original is None else _parse_state(posted_original)
            if original is False:
                original = stored
            else:
                cell.original_text = posted_original if posted_original is not None else cell.original_text
            on_post = ON_POST_BY_TEXT.get(raw) if raw else None
            cell.on_post, cell.social_insurance, cell.salary_paid = on_post, insurance, salary
            cell.version = version
            if raw and on_post is None:
                cell.error = "人员到位只能为 1、0.5 或 0。"
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

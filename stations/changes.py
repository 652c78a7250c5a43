"""A quarter's staff-month edits as the services take them, whether typed in the grid or read from Excel (附件2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from evalportal.periods import Quarter


@dataclass
class StaffMonthChange:
    staff_id: int
    month: date
    on_post: Decimal | None  # None removes the month's record
    social_insurance: bool
    salary_paid: bool
    expected_version: int  # 0 = there was no record


ON_POST_VALUES = (Decimal("1"), Decimal("0.5"), Decimal("0"))


def staff_changes_by_quarter(payload: dict) -> dict[Quarter, list[StaffMonthChange]]:
    grouped: dict[Quarter, list[StaffMonthChange]] = {}
    for c in payload["changes"]:
        month = date.fromisoformat(c["month"])
        grouped.setdefault(Quarter.of(month), []).append(
            StaffMonthChange(
                staff_id=c["staff_id"], month=month, on_post=Decimal(c["on_post"]),
                social_insurance=c["social_insurance"], salary_paid=c["salary_paid"], expected_version=c["version"],
            )
        )
    return grouped

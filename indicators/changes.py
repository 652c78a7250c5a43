"""A quarter's cell edits as the services take them, whether typed in the grid or read from Excel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

CellKey = tuple[int | None, int, date]  # (service_area_id or None for station-wide, indicator_id, month)


@dataclass
class CellChange:
    """One cell as the user wants it: value None clears the cell. `expected_version` is the version the user
    saw (0 = the cell was empty)."""

    area_id: int | None
    indicator_id: int
    month: date
    value: Decimal | None
    expected_version: int

    @property
    def key(self) -> CellKey:
        return (self.area_id, self.indicator_id, self.month)


def changes_from_payload(payload: dict) -> list[CellChange]:
    return [
        CellChange(
            area_id=c["area_id"], indicator_id=c["indicator_id"], month=date.fromisoformat(c["month"]),
            value=Decimal(c["value"]), expected_version=c["version"],
        )
        for c in payload["changes"]
    ]

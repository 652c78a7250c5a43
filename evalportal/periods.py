"""Months, 考核期 and quarters of a contract: pure date rules, no ORM, shared by every app (issue 8).

Entry screens group a contract's months by calendar quarter. The quarters of a contract are the calendar
quarters that intersect its service period; inside a quarter only the months that intersect the period can be
entered (2024-12-11 → 2025-12-10: 2024 Q4 has only December open).

Deadline rule (one place): a quarter's data is due on the 15th of the month after the quarter ends
(2025 Q1 → 2025-04-15).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (Jan 31 + 1 → Feb 28)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def calendar_months(start: date, end: date) -> list[date]:
    """Every calendar month (as first days) that a period from `start` to `end` touches."""
    months, current = [], month_start(start)
    while current <= end:
        months.append(current)
        current = add_months(current, 1)
    return months


def months_in_period(start: date, cutoff: date) -> list[date]:
    """Calendar months (as first days) counted for a 考核期 from `start` to `cutoff`.

    An evaluation's cut-off sums whole months: the month of `start` counts even when the contract starts
    mid-month (seed 001: 2024-12-11 → 2025-04-30 is 5 months: Dec, Jan, Feb, Mar, Apr); a month counts only
    when the cut-off reaches its last day.
    """
    return list(_months_in_period(start, cutoff))


@lru_cache(maxsize=4096)
def _months_in_period(start: date, cutoff: date) -> tuple[date, ...]:
    # A pure function of two dates, asked for again and again with the same ones (every row of the dashboard, every
    # page): computed once per process (the dashboard called it ~2,000 times a page, 1/3 of its CPU).
    months: list[date] = []
    current = month_start(start)
    while month_end(current) <= cutoff:
        months.append(current)
        current = add_months(current, 1)
    return tuple(months)


DEADLINE_DAY = 15


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    quarter: int  # 1..4

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """"2025-Q1" / "2025q1" → Quarter(2025, 1); ValueError otherwise."""
        match = re.fullmatch(r"(\d{4})-?[Qq]([1-4])", text.strip())
        if not match:
            raise ValueError(f"季度格式应为 2025-Q1，收到“{text}”。")
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def slug(self) -> str:
        return f"{self.year}-Q{self.quarter}"

    @property
    def label(self) -> str:
        return f"{self.year}年第{'一二三四'[self.quarter - 1]}季度"

    @property
    def start(self) -> date:
        return date(self.year, 3 * (self.quarter - 1) + 1, 1)

    @cached_property  # a frozen dataclass: its dates never change (cached_property writes __dict__ directly)
    def end(self) -> date:
        return month_end(add_months(self.start, 2))

    @property
    def months(self) -> list[date]:
        return [add_months(self.start, i) for i in range(3)]

    @cached_property
    def deadline(self) -> date:
        """Due date: the 15th of the month after the quarter ends."""
        return add_months(self.start, 3).replace(day=DEADLINE_DAY)

    def next(self) -> Quarter:
        return Quarter.of(add_months(self.start, 3))


def month_in_period(month: date, start: date, end: date) -> bool:
    """A calendar month (first day) is open for entry when it intersects the contract period."""
    return month_end(month) >= start and month <= end


def contract_quarters(start: date, end: date) -> list[Quarter]:
    """Calendar quarters intersecting the contract period, in order."""
    return list(_contract_quarters(start, end))


@lru_cache(maxsize=4096)
def _contract_quarters(start: date, end: date) -> tuple[Quarter, ...]:
    # pure, and asked for every contract of every home page: once per dates and process
    quarters = []
    current = Quarter.of(start)
    while current.start <= end:
        quarters.append(current)
        current = current.next()
    return tuple(quarters)


def is_overdue(quarter: Quarter, today: date) -> bool:
    return today > quarter.deadline


def is_open_for_entry(quarter: Quarter, today: date) -> bool:
    """A quarter becomes due once it has started (data for its first month can be entered)."""
    return quarter.start <= today

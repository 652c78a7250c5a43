"""Pure business rules for indicators, on Decimal. No ORM here.

Sources: DOMAIN.md "Indicators, targets, actuals" and seed 001 附件1 (the acceptance table).
Full precision is kept in every intermediate value; rounding (四舍五入, ROUND_HALF_UP) happens only in the
`format_*` / `round_half_up` helpers used for display.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache

from evalportal.periods import add_months, months_in_period

SLASH = "/"
HUNDRED = Decimal("100")


def round_half_up(value: Decimal, places: int) -> Decimal:
    """Round half up (四舍五入) to `places` decimals: 0.768571… → 0.77 at 2; 0.125 → 0.13."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def round_fraction_half_up(value: Fraction, places: int) -> Decimal:
    """An exact fraction rounded half up (四舍五入) once to `places` decimals, in integers: 715/88 = 8.125 → 8.13.

    For quotients that 28-digit Decimal division would truncate before the final rounding (scoring.points_from_rubric).
    """
    scaled = value * 10**places
    sign = -1 if scaled < 0 else 1
    magnitude = abs(scaled)
    units = (2 * magnitude.numerator + magnitude.denominator) // (2 * magnitude.denominator)
    return Decimal(sign * units).scaleb(-places)


def completion_rate(actual: Decimal | None, target: Decimal | None) -> Decimal | None:
    """完成率 = actual ÷ target, unrounded (seed 001 附件1: 538/700 → 0.7685714…).

    None when there is no target or the target is 0 (the report prints "/"). A missing actual with a target
    counts as 0 done.
    """
    if target is None or target == 0:
        return None
    return (actual or Decimal(0)) / target


def format_percent(rate: Decimal | None, places: int = 2) -> str:
    """A rate as the report prints it: 0.7685714 → "76.86%", None → "/"."""
    if rate is None:
        return SLASH
    return f"{round_half_up(rate * HUNDRED, places)}%"


def percent_value(rate: Decimal | None, places: int = 2) -> Decimal | None:
    """The displayed percentage as a number (76.86), for templates that add the % sign themselves."""
    if rate is None:
        return None
    return round_half_up(rate * HUNDRED, places)


def format_quantity(value: Decimal | None, places: int) -> str:
    """A target/actual as printed: integers without decimals, hours with one (783.5), money with two; "/" if None."""
    if value is None:
        return SLASH
    return f"{round_half_up(value, places):f}"


@dataclass(frozen=True)
class AreaTotal:
    """A 合计 over 片区: Σ 协议量, Σ 完成量 and 完成率 = Σ 完成量 ÷ Σ 协议量, unrounded (see `area_total`)."""

    target: Decimal | None
    actual: Decimal | None

    @property
    def rate(self) -> Decimal | None:
        return completion_rate(self.actual, self.target)


def area_total(pairs: Iterable[tuple[Decimal | None, Decimal | None]]) -> AreaTotal:
    """合计 of one indicator over the 片区: `pairs` are (actual, target) per 片区.

    Rule: 协议量 = Σ targets of the 片区 that have one; 完成量 = Σ actuals of every 片区, with or without a target;
    完成率 = that 完成量 ÷ that 协议量 (sums first, then divide: 入户探访 1011/1400 → 72.21%, not a mean of %).
    "/" (None) when no 片区 has a target, or the targets sum to 0.

    Why every 片区's actual: seed 001 附件1 prints the 合计 row as the column sums of the rows above (协议量
    700 + 400 + 300 = 1400, 完成量 538 + 298 + 175 = 1011) and §二(二) quotes the station's 完成量 as that sum
    ("探访 1011 个……完成协议指标量的 72.21%"): the contract's quantity is the station's, and work done in a 片区
    without its own target still counts towards it. So the printed 合计 row always satisfies 完成量 ÷ 协议量 = 百分比:
    片区 A 3 of 5 and 片区 B 1 with no target give 5 / 4 / 80.00% — never 5 / 4 / 60.00% (a percentage that silently
    leaves out part of the 完成量 it is printed beside). The entry grid (static/js/quarter_entry.js), the 附件1 table
    and Excel (indicators.selectors / indicators.excel) and the reports all take their 合计 from here.
    """
    targets = []
    actuals = []
    for actual, target in pairs:
        if target is not None:
            targets.append(target)
        if actual is not None:
            actuals.append(actual)
    return AreaTotal(
        target=sum(targets, Decimal(0)) if targets else None,
        actual=sum(actuals, Decimal(0)) if actuals else None,
    )


def total_rate(pairs: Iterable[tuple[Decimal | None, Decimal | None]]) -> Decimal | None:
    """合计完成率 by the `area_total` rule: Σ actuals of all 片区 ÷ Σ targets."""
    return area_total(pairs).rate


def format_indicator_value(value: Decimal | None, value_type: str) -> str:
    """An indicator quantity as 附件1 prints it: integers plain, hours with one decimal only when fractional
    (培训时数 1080 and 783.5), money always with two decimals (资源链接 523106.71); "/" if None."""
    if value is None:
        return SLASH
    if value_type == "money":
        return format_quantity(value, 2)
    if value_type == "hours":
        rounded = round_half_up(value, 1)
        return format_quantity(rounded, 0 if rounded == rounded.to_integral_value() else 1)
    return format_quantity(value, 0)


def accumulate(values_by_month: Mapping[date, Decimal], accumulation: str, months: Iterable[date]) -> Decimal | None:
    """An indicator's actual over `months`.

    - flow (累计型) indicators add up over the months (入户探访, 电访, 培训时数 783.5);
    - stock (存量型) indicators take the value of the latest month that has one (建档 1533 at month-end).
    None when no month has a value.
    """
    present = [(m, values_by_month[m]) for m in months if m in values_by_month]
    if not present:
        return None
    if accumulation == "stock":
        return max(present, key=lambda item: item[0])[1]
    return sum((value for _, value in present), Decimal(0))


def contract_months(start: date, end: date) -> int:
    """Length of a contract year in months: 2024-12-11 → 2025-12-10 is 12 (end is the day before the anniversary)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if add_months(start, months) <= end:
        months += 1
    return max(months, 1)


@dataclass(frozen=True)
class Pace:
    """Time progress at a cut-off, in whole months: `elapsed` of `total` (DOMAIN.md "Progress against time").

    Comparisons are exact — actual × total against target × elapsed — never through a rounded 5/12: with a 28-digit
    5/12, 6 × 2/12 came out as 1.0000…0002 and an actual of exactly 1 was wrongly "behind pace".
    """

    elapsed: int
    total: int

    @property
    def fraction(self) -> Decimal:
        """For display only (时间进度 41.67%)."""
        return Decimal(self.elapsed) / Decimal(self.total)

    def expected(self, target: Decimal | None, accumulation: str = "flow") -> Decimal | None:
        """The on-pace amount: 5/12 of an annual flow target after 5 of 12 months; a stock indicator (建档) must hold
        its whole target at every month-end."""
        if target is None:
            return None
        if accumulation == "stock":
            return target
        return target * self.elapsed / Decimal(self.total)

    def is_behind(self, actual: Decimal | None, target: Decimal | None, accumulation: str = "flow") -> bool:
        """True when the actual is below the on-pace amount; never without a target."""
        if target is None or target == 0:
            return False
        actual = actual or Decimal(0)
        if accumulation == "stock":
            return actual < target
        return actual * self.total < target * self.elapsed


@lru_cache(maxsize=4096)
def contract_pace(contract_start: date, contract_end: date, cutoff: date) -> Pace:
    """Months elapsed of the contract year at a cut-off, counted as the 考核期 counts them: a contract that starts
    mid-month counts its first calendar month (2024-12-11 → cut-off 2025-04-30 is 5 of 12). Capped at the total."""
    total = contract_months(contract_start, contract_end)
    elapsed = len(months_in_period(contract_start, min(cutoff, contract_end)))
    return Pace(elapsed=min(elapsed, total), total=total)


@dataclass(frozen=True)
class RateCell:
    """One (target, actual, rate) triple of the completion table, unrounded."""

    target: Decimal | None
    actual: Decimal | None

    @property
    def rate(self) -> Decimal | None:
        return completion_rate(self.actual, self.target)

    @property
    def percent(self) -> str:
        return format_percent(self.rate)


# --- money ---------------------------------------------------------------------------------------------------


def to_wan(amount: Decimal) -> Decimal:
    """Yuan → 万元 with 2 decimals for print (2,400,000.00 → 240.00)."""
    return round_half_up(amount / Decimal(10000), 2)


def execution_rate(executed: Decimal | None, budget: Decimal | None) -> Decimal | None:
    """预算执行率 = 执行数 ÷ 全年预算数 (seed 000: 244.8 / 244.8 万元 → 100%)."""
    return completion_rate(executed, budget)


def adjustment_rate(initial: Decimal | None, full_year: Decimal | None) -> Decimal | None:
    """预算调整率 = (全年预算数 − 年初预算数) ÷ 年初预算数 (seed 000: 0%)."""
    if initial is None or full_year is None or initial == 0:
        return None
    return (full_year - initial) / initial


def tranche_amount(budget: Decimal, percentage: Decimal) -> Decimal:
    """A payment tranche's amount in yuan, to the cent (seed 004: 55% of 1,984,500.00 = 1,091,475.00)."""
    return round_half_up(budget * percentage / HUNDRED, 2)

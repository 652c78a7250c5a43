"""Pure scoring rules: the four-party evaluation (seed 001 §二(五), §七) and the 绩效评价 (seed 002). No ORM."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from .calculations import HUNDRED, round_fraction_half_up, round_half_up

# Seed 001 §二(五): 90 分以上为优秀, 80 分至 90 分（不含 90 分）为良好, 60 分至 80 分（不含 80 分）为合格, 60 分以下为不合格.
EVALUATION_GRADES: tuple[tuple[Decimal, str, str], ...] = (
    (Decimal("90"), "excellent", "优秀"),
    (Decimal("80"), "good", "良好"),
    (Decimal("60"), "pass", "合格"),
    (Decimal("-1"), "fail", "不合格"),
)

# Seed 002 §三(二): 90（含90）-100 优, 80（含80）-90 良, 60（含60）-80 中, 60 分以下 差.
PERFORMANCE_GRADES: tuple[tuple[Decimal, str, str], ...] = (
    (Decimal("90"), "excellent", "优"),
    (Decimal("80"), "good", "良"),
    (Decimal("60"), "medium", "中"),
    (Decimal("-1"), "poor", "差"),
)


def _grade(total: Decimal, bands: tuple[tuple[Decimal, str, str], ...]) -> tuple[str, str]:
    for lower, code, label in bands:
        if total >= lower:
            return code, label
    return bands[-1][1], bands[-1][2]


def evaluation_grade(total: Decimal) -> tuple[str, str]:
    """(code, label) of a four-party total: 89.08 → ("good", "良好"); 90 → 优秀; 79.99 → 合格; 59.99 → 不合格.

    The band is decided on the total as printed (2 decimals, half up), so 89.995 counts as 90.00.
    """
    return _grade(round_half_up(total, 2), EVALUATION_GRADES)


def performance_grade(total: Decimal) -> tuple[str, str]:
    """(code, label) of a 绩效评价 total: 95.478 → ("excellent", "优") (seed 002)."""
    return _grade(round_half_up(total, 2), PERFORMANCE_GRADES)


def points_from_score_100(score_100: Decimal, weight: Decimal) -> Decimal:
    """A score out of 100 converted to points out of the party's weight: 83.0 × 10% = 8.30 (DOMAIN.md)."""
    return round_half_up(score_100 * weight / HUNDRED, 2)


def points_from_rubric(raw_total: Decimal, raw_max: Decimal, weight: Decimal) -> Decimal:
    """The third party's points from its rubric: raw ÷ max × weight, computed exactly and rounded half up once to
    2 decimals (seed 001 §七: 80.3 of 94 × 55 = 46.98).

    Dividing first in 28-digit Decimal and rounding afterwards rounds twice: 13.0 of 88 × 55 is exactly 8.125, but
    13.0 / 88 = 0.1477272…7 (truncated) × 55 = 8.12499…9 came out as 8.12 instead of 8.13. The quotient is therefore
    taken as an exact fraction of the Decimal inputs and rounded once (calculations.round_fraction_half_up).
    """
    if raw_max == 0:
        raise ValueError("评估指标总分值不能为 0。")
    return round_fraction_half_up(Fraction(raw_total) * Fraction(weight) / Fraction(raw_max), 2)


def evaluation_total(points: Iterable[Decimal]) -> Decimal:
    """四方评估总分 = sum of the parties' points (seed 001: 20.00 + 8.30 + 13.80 + 46.98 = 89.08)."""
    return sum(points, Decimal(0))


def score_rate(score: Decimal | None, max_points: Decimal | None) -> Decimal | None:
    """得分率 = 得分 ÷ 分值, unrounded (seed 002: 13/15 → 86.67%; 8.978/10 → 89.78%)."""
    if score is None or max_points is None or max_points == 0:
        return None
    return score / max_points


@dataclass
class IndicatorNode:
    """A node of a 3-level indicator tree. Leaves carry points; inner nodes sum their children."""

    name: str
    level: int
    max_points: Decimal | None = None
    score: Decimal | None = None
    children: list[IndicatorNode] = field(default_factory=list)

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def total_max(self) -> Decimal | None:
        if self.is_leaf:
            return self.max_points
        values = [c.total_max for c in self.children if c.total_max is not None]
        return sum(values, Decimal(0)) if values else None

    @property
    def total_score(self) -> Decimal | None:
        if self.is_leaf:
            return self.score
        values = [c.total_score for c in self.children if c.total_score is not None]
        return sum(values, Decimal(0)) if values else None

    @property
    def rate(self) -> Decimal | None:
        return score_rate(self.total_score, self.total_max)


def tree_totals(roots: Iterable[IndicatorNode]) -> tuple[Decimal, Decimal]:
    """(Σ 分值, Σ 得分) over the level-1 nodes: seed 002 → (100, 95.478)."""
    roots = list(roots)
    max_total = sum((r.total_max or Decimal(0) for r in roots), Decimal(0))
    score_total = sum((r.total_score or Decimal(0) for r in roots), Decimal(0))
    return max_total, score_total

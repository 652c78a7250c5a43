"""The survey's pure rules (issue 14): scales, rates, points, the stratified sample, masking. No ORM.

Rates (stated on the results page and in the report): every answer scores on its question's scale — five-point
非常满意 5 … 非常不满意 1 (of 5), three-level 满意 2 / 基本满意 1 / 不满意 0 (of 2). A group's 满意度 is the sum of
its completed respondents' answer scores divided by the sum of the scale maxima of those answers; the overall
满意度 is the same over every group. Seed 002 四（二）: 服务对象 89.78%, 居委会代表 100%, 合作方代表 90%.
Points: 服务对象满意度得分 = the service users' rate × the indicator's maximum, kept to 3 decimals (seed 002 keeps
8.978 in its subtotal) and printed with 2 (8.98 of 10).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db import models

from indicators.calculations import format_percent

POINTS_PLACES = Decimal("0.001")


class Scale(models.TextChoices):
    FIVE = "five", "五级（非常满意—非常不满意）"
    THREE = "three", "三级（满意/基本满意/不满意）"


@dataclass(frozen=True)
class ScaleRule:
    options: list[tuple[int, str]]  # (score, label), best first

    @property
    def maximum(self) -> int:
        return max(score for score, _ in self.options)

    def label(self, value: int) -> str:
        return dict(self.options)[value]

    def valid(self, value: int) -> bool:
        return value in dict(self.options)


SCALES: dict[str, ScaleRule] = {
    Scale.FIVE: ScaleRule([(5, "非常满意"), (4, "满意"), (3, "一般"), (2, "不满意"), (1, "非常不满意")]),
    Scale.THREE: ScaleRule([(2, "满意"), (1, "基本满意"), (0, "不满意")]),
}

RULE_TEXT = (
    "满意度计算规则：五级量表按 非常满意 5 分、满意 4 分、一般 3 分、不满意 2 分、非常不满意 1 分（满分 5 分），"
    "三级量表按 满意 2 分、基本满意 1 分、不满意 0 分（满分 2 分）计分；某一群体的满意度 = 该群体已完成访问者"
    "各题得分之和 ÷ 各题满分之和，总体满意度按全部受访者同样计算；服务对象满意度得分 = 服务对象满意度 × 指标分值。"
)


def satisfaction_rate(answers: Iterable[tuple[int, str]]) -> Fraction | None:
    """(value, scale) pairs → Σ score ÷ Σ maximum, exact; None when nothing was answered."""
    got = 0
    most = 0
    for value, scale in answers:
        got += value
        most += SCALES[scale].maximum
    return Fraction(got, most) if most else None


def rate_decimal(rate: Fraction | None) -> Decimal | None:
    """An exact rate as a Decimal with enough digits for display rounding (format_percent rounds half up)."""
    if rate is None:
        return None
    return (Decimal(rate.numerator) / Decimal(rate.denominator)).quantize(Decimal("1e-12"), rounding=ROUND_HALF_UP)


def satisfaction_points(rate: Fraction | None, maximum: Decimal | None) -> Decimal | None:
    """rate × maximum computed exactly, rounded half up once to 3 decimals (404/450 × 10 → 8.978)."""
    if rate is None or maximum is None:
        return None
    exact = rate * Fraction(maximum)
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(POINTS_PLACES, rounding=ROUND_HALF_UP)


def allocate(size: int, strata: Mapping[str, int]) -> dict[str, int]:
    """Split a group's sample size over its 片区 in proportion to their roster sizes (largest remainder; ties by
    the larger 片区, then name), never more than a 片区 has."""
    total = sum(strata.values())
    size = min(size, total)
    if size <= 0 or total == 0:
        return {key: 0 for key in strata}
    quotas = {key: Fraction(size * count, total) for key, count in strata.items()}
    result = {key: int(q) for key, q in quotas.items()}
    left = size - sum(result.values())
    for key in sorted(strata, key=lambda k: (-(quotas[k] - int(quotas[k])), -strata[k], k))[:left]:
        result[key] += 1
    return result


def draw_sample(seed: str, group_key: str, ids_by_area: Mapping[str, Sequence[int]], size: int) -> list[int]:
    """A stratified random sample of one group: `size` contact ids spread over the 片区 by `allocate`, drawn with
    a generator seeded by (seed, group, 片区), so the same roster and seed always give the same sample."""
    counts = {area: len(ids) for area, ids in ids_by_area.items()}
    chosen: list[int] = []
    for area, quota in sorted(allocate(size, counts).items()):
        ids = sorted(ids_by_area[area])
        rng = random.Random(f"{seed}|{group_key}|{area}")
        chosen.extend(sorted(rng.sample(ids, quota)))
    return chosen


def mask_phone(phone: str) -> str:
    """13812341234 → 138****1234; short numbers keep only their last two digits."""
    digits = phone.strip()
    if len(digits) >= 7:
        return digits[:3] + "****" + digits[-4:]
    return "*" * max(0, len(digits) - 2) + digits[-2:]


def format_rate(rate: Fraction | None) -> str:
    """An exact rate as the reports print it: 404/450 → "89.78%"; None → "/"."""
    return format_percent(rate_decimal(rate))


def format_rate_short(rate: Fraction | None) -> str:
    """A rate as seed 002's sentences print it, without trailing zeros: 404/450 → "89.78%", 1 → "100%", 9/10 → "90%"."""
    text = format_rate(rate)
    if "." in text:
        text = text.replace("%", "").rstrip("0").rstrip(".") + "%"
    return text

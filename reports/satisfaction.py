"""The satisfaction survey behind a report's 服务对象满意度 sentence (issue 14 §1, §4).

The survey app sits above reports (it writes the points into evaluations), so reports cannot import it: the survey
app registers its reader here when it starts (SurveysConfig.ready). With no reader, or no closed survey, a report
prints only what the evaluator typed — no rate is made up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

SATISFACTION_INDICATOR = "服务对象满意度"  # seed 002's 效益 indicator the survey's points go into


@dataclass(frozen=True)
class SatisfactionSummary:
    """What a report says of a closed survey: the seed 002 sentence from its data, its points and the rule."""

    sentence: str  # "经对…提供的服务对象名单进行满意度抽查，受访的服务对象、居委会代表及合作方代表满意度分别为 89.78%、100%和 90%"
    points: Decimal | None  # rate × 分值 kept to 3 decimals (8.978), None without a 分值 or answers
    rule: str  # how answers become each group's rate and the overall rate
    sampled: int
    completed: int
    response_rate: str  # "88.46%"
    overall: str  # "90.41%"

    @property
    def points_sentence(self) -> str:
        """The sentence with its ending, as seed 002 四（二）② prints it: "…。故得 8.98 分。"."""
        if self.points is None:
            return f"{self.sentence}。"
        return f"{self.sentence}。故得 {self.points.quantize(Decimal('0.01'))} 分。"


Reader = Callable[[str, int], "SatisfactionSummary | None"]
_readers: list[Reader] = []


def register(reader: Reader) -> None:
    if reader not in _readers:
        _readers.append(reader)


def satisfaction_summary(kind: str, pk: int) -> SatisfactionSummary | None:
    """The latest closed survey of an evaluation (kind "evaluation") or a 绩效评价 (kind "performance")."""
    for reader in _readers:
        summary = reader(kind, pk)
        if summary is not None:
            return summary
    return None

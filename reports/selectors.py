"""Reads for reports: the 绩效评价 indicator tree (seed 002) and the four-party evaluation summary (seed 001 §七).

Constant queries: one for the whole indicator tree, one for the party scores, one for the frozen rubric (items
prefetched per section).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch

from indicators.calculations import format_percent, round_half_up
from indicators.scoring import (
    IndicatorNode,
    evaluation_grade,
    evaluation_total,
    performance_grade,
    points_from_rubric,
    tree_totals,
)

from .models import (
    PARTY_WEIGHTS,
    Evaluation,
    EvaluationItem,
    EvaluationSection,
    Party,
    PartyScore,
    PerformanceEvaluation,
    PerformanceIndicator,
)

# --- 绩效评价 indicator tree -------------------------------------------------------------------------------------


@dataclass
class TreeNode(IndicatorNode):
    """An IndicatorNode that carries its PerformanceIndicator (judgement, reason, target/actual texts)."""

    indicator: PerformanceIndicator | None = None

    @property
    def percent(self) -> str:
        """得分率 as printed: 92.59% (seed 002); "/" without points."""
        return format_percent(self.rate)

    @property
    def judgement_label(self) -> str:
        return self.indicator.get_judgement_display() if self.indicator and self.indicator.judgement else ""

    @property
    def leaves(self) -> list[TreeNode]:
        if self.is_leaf:
            return [self]
        return [leaf for child in self.children for leaf in child.leaves]


@dataclass
class PerformanceTree:
    evaluation: PerformanceEvaluation
    roots: list[TreeNode]
    max_total: Decimal | None
    score_total: Decimal | None
    grade: tuple[str, str] | None  # ("excellent", "优"); None for judged/narrative systems
    level_counts: dict[int, int] = field(default_factory=dict)

    @property
    def rate(self) -> Decimal | None:
        if self.max_total in (None, Decimal(0)) or self.score_total is None:
            return None
        return self.score_total / self.max_total

    @property
    def leaves(self) -> list[TreeNode]:
        return [leaf for root in self.roots for leaf in root.leaves]


def performance_tree(pe: PerformanceEvaluation) -> PerformanceTree:
    """The 3-level 指标体系 with subtotals: seed 002 → 分值 100, 得分 95.478 (95.48 优); 过程 92.59% …

    Leaves carry points; level-1 and level-2 nodes sum their children. A level-2 node without children is a leaf
    (seed 002: 效益's 社会知晓率 and 服务对象满意度). One query.
    """
    rows = list(PerformanceIndicator.objects.filter(evaluation=pe).order_by("level", "order", "id"))
    nodes = {
        row.id: TreeNode(
            name=row.name, level=row.level, max_points=row.max_points, score=row.score, indicator=row,
        )
        for row in rows
    }
    roots: list[TreeNode] = []
    for row in rows:
        node = nodes[row.id]
        if row.parent_id is None:
            roots.append(node)
        else:
            nodes[row.parent_id].children.append(node)
    level_counts: dict[int, int] = {}
    for row in rows:
        level_counts[row.level] = level_counts.get(row.level, 0) + 1

    has_points = any(row.max_points is not None for row in rows)
    max_total = score_total = None
    grade = None
    if has_points:
        max_total, score_total = tree_totals(roots)
        grade = performance_grade(score_total)
    return PerformanceTree(
        evaluation=pe, roots=roots, max_total=max_total, score_total=score_total, grade=grade,
        level_counts=level_counts,
    )


# --- four-party evaluation ----------------------------------------------------------------------------------------

# Seed 001 §七 prints 购买方, 监督方, 督导中心, 第三方 in this order.
REPORT_PARTY_ORDER = [Party.BUYER, Party.SUPERVISOR, Party.SUPERVISION_CENTRE, Party.THIRD_PARTY]


@dataclass(frozen=True)
class PartyLine:
    party: str
    label: str
    weight: Decimal
    points: Decimal | None
    score_100: Decimal | None
    status: str  # draft / submitted / "" when the party has no score row yet
    score: PartyScore | None

    @property
    def submitted(self) -> bool:
        return self.status == PartyScore.Status.SUBMITTED


@dataclass(frozen=True)
class EvaluationSummary:
    evaluation: Evaluation
    parties: list[PartyLine]
    total: Decimal | None  # frozen total when finalised; else Σ submitted points once all four are in
    grade: tuple[str, str] | None
    complete: bool  # all four parties submitted
    frozen: bool

    @property
    def total_display(self) -> str:
        return "" if self.total is None else f"{round_half_up(self.total, 2)}"


def evaluation_summary(evaluation: Evaluation) -> EvaluationSummary:
    """The four party scores in the report's order with weights, total and grade (seed 001: 89.08 良好). One query."""
    scores = {s.party: s for s in PartyScore.objects.filter(evaluation=evaluation)}
    labels = dict(Party.choices)
    parties = []
    for party in REPORT_PARTY_ORDER:
        score = scores.get(party)
        parties.append(
            PartyLine(
                party=party,
                label=labels[party],
                weight=score.weight if score else PARTY_WEIGHTS[party],
                points=score.points if score else None,
                score_100=score.score_100 if score else None,
                status=score.status if score else "",
                score=score,
            )
        )
    complete = all(p.submitted and p.points is not None for p in parties)
    frozen = evaluation.status == Evaluation.Status.FINALISED and evaluation.total_score is not None
    if frozen:
        total = evaluation.total_score
        grade = (evaluation.grade, evaluation.get_grade_display())
    elif complete:
        total = evaluation_total(p.points for p in parties)
        grade = evaluation_grade(total)
    else:
        total, grade = None, None
    return EvaluationSummary(
        evaluation=evaluation, parties=parties, total=total, grade=grade, complete=complete, frozen=frozen
    )


# --- the frozen rubric of an evaluation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RubricSectionLine:
    section: EvaluationSection
    items: list[EvaluationItem]
    max_points: Decimal
    score: Decimal | None  # None while no item of the section is scored


@dataclass(frozen=True)
class RubricSummary:
    sections: list[RubricSectionLine]
    max_points: Decimal
    score: Decimal | None
    weight: Decimal
    points: Decimal | None  # raw ÷ max × 55, half up (seed 001: 80.3 / 94 → 46.98)
    scored_items: int
    item_count: int


def rubric_summary(evaluation: Evaluation) -> RubricSummary:
    """The third party's frozen rubric with section subtotals and the points it gives. Two queries."""
    sections = list(
        EvaluationSection.objects.filter(evaluation=evaluation)
        .order_by("order", "id")
        .prefetch_related(Prefetch("items", queryset=EvaluationItem.objects.order_by("order", "id")))
    )
    lines = []
    scored = count = 0
    for section in sections:
        items = list(section.items.all())
        count += len(items)
        present = [i.score for i in items if i.score is not None]
        scored += len(present)
        lines.append(
            RubricSectionLine(
                section=section,
                items=items,
                max_points=sum((i.max_points for i in items), Decimal(0)),
                score=sum(present, Decimal(0)) if present else None,
            )
        )
    max_points = sum((line.max_points for line in lines), Decimal(0))
    scores = [line.score for line in lines if line.score is not None]
    score = sum(scores, Decimal(0)) if scores else None
    weight = PARTY_WEIGHTS[Party.THIRD_PARTY]
    points = points_from_rubric(score, max_points, weight) if score is not None and max_points else None
    return RubricSummary(
        sections=lines, max_points=max_points, score=score, weight=weight, points=points, scored_items=scored,
        item_count=count,
    )

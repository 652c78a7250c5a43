"""Reads for reports: the 绩效评价 indicator tree (seed 002), the four-party evaluation summary (seed 001 §七) and the
evaluation workflow screens (issue 4: overview, scoring page, findings, history, payment tranches).

Constant queries: one for the whole indicator tree, one for the party scores, one for the frozen rubric (items
prefetched per section); the workflow selectors likewise run a fixed number of queries whatever the size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page
from django.db.models import Prefetch, QuerySet

from evalportal.listing import BoundedPaginator, url_maker
from evalportal.roles import evaluations_visible_to
from indicators.calculations import format_percent, round_half_up, tranche_amount
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
    EvaluationAssignment,
    EvaluationEvent,
    EvaluationItem,
    EvaluationSection,
    EvidenceAttachment,
    Finding,
    Grade,
    Party,
    PartyScore,
    PerformanceEvaluation,
    PerformanceIndicator,
)

if TYPE_CHECKING:
    from stations.models import Contract, User

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


# --- evaluation workflow (issue 4) ----------------------------------------------------------------------------

PARTY_ORDER = list(Party.values)
OVERVIEW_PAGE_SIZE = 25


def ordered_party_scores(evaluation: Evaluation) -> list[PartyScore]:
    """The four party scores in the order of seed 001 §七 (购买方, 监督方, 督导中心, 第三方); uses the prefetch."""
    return sorted(evaluation.party_scores.all(), key=lambda s: PARTY_ORDER.index(s.party))


def evaluation_overview_page(
    user: User, page_number: Any = 1, *, per_page: int = OVERVIEW_PAGE_SIZE, queryset: QuerySet | None = None
) -> Page:
    """Every evaluation the user may see (the bureau: its district), newest first, with each party's status.

    `may_download` (and its converse for an evaluator, `declaration_pending`) comes from the one content rule,
    reports.permissions.evaluations_open_to, in one query for the whole page."""
    from .pdf_selectors import reportable_evaluation_ids

    qs = (
        (queryset if queryset is not None else evaluations_visible_to(user))  # a filtered subset of it (filters.py)
        .select_related("contract__station__street__district")
        .only("code", "kind", "date", "status", "total_score", "grade", "contract__station__name",
              "contract__station__street__district__name")  # the table's columns: a full page stays cheap
        .prefetch_related(Prefetch("party_scores", queryset=PartyScore.objects.order_by("party").only(
            "evaluation_id", "party", "status", "points")))
    )
    if not qs.query.order_by:
        qs = qs.order_by("-date", "code")
    page = BoundedPaginator(qs, per_page).get_page(page_number)
    open_ids = reportable_evaluation_ids(user, list(page.object_list))
    declaration_url, detail_url, pdf_url = (url_maker(name) for name in (
        "evaluation_declaration", "evaluation_detail", "report_evaluation_pdf"))
    for evaluation in page.object_list:
        evaluation.declaration_url, evaluation.detail_url, evaluation.pdf_url = (
            declaration_url(evaluation.code), detail_url(evaluation.code), pdf_url(evaluation.code))
        evaluation.ordered_scores = ordered_party_scores(evaluation)
        evaluation.may_download = evaluation.pk in open_ids
        evaluation.declaration_pending = not evaluation.may_download
    return page


# --- findings ---------------------------------------------------------------------------------------------------


@dataclass
class FindingSlot:
    """One text box: a party's 值得肯定 or 需要关注 text for a section and (third party) a set of 片区."""

    party: str
    section: str
    section_label: str
    kind: str
    kind_label: str
    area_ids: list[int]
    area_label: str
    finding: Finding | None = None
    posted_text: str | None = None  # what the user sent, kept on the form when saving failed

    @property
    def key(self) -> str:
        return f"{self.party}:{self.section}:{self.kind}:{'-'.join(map(str, self.area_ids)) or '0'}"

    @property
    def text(self) -> str:
        return self.finding.text if self.finding else ""

    @property
    def version(self) -> int:
        return self.finding.version if self.finding else 0


@dataclass
class FindingGroup:
    section: str
    label: str
    area_ids: list[int]
    slots: list[FindingSlot] = field(default_factory=list)


def finding_groups(evaluation: Evaluation, party: str, areas: list[Any], findings: list[Finding]) -> list[FindingGroup]:
    """The finding boxes of a party. Third party (seed 001 §六): 项目管理, 总体服务开展情况, then each 片区 (and any
    combination of 片区 already written about together, e.g. "片区二、片区三"); the others: one general pair."""
    area_names = {a.id: a.name for a in areas}
    if party == Party.THIRD_PARTY:
        keys: list[tuple[str, tuple[int, ...]]] = [
            (Finding.Section.PROJECT_MANAGEMENT, ()),
            (Finding.Section.SERVICE_DELIVERY, ()),
        ]
        keys += [(Finding.Section.AREAS, (a.id,)) for a in areas]
        for f in findings:
            ids = tuple(sorted(a.id for a in f.areas.all()))
            if f.party == party and (f.section, ids) not in keys:
                keys.append((f.section, ids))
    else:
        keys = [(Finding.Section.GENERAL, ())]
        for f in findings:
            ids = tuple(sorted(a.id for a in f.areas.all()))
            if f.party == party and (f.section, ids) not in keys:
                keys.append((f.section, ids))
    by_slot: dict[tuple[str, str, tuple[int, ...]], Finding] = {}
    for f in findings:
        if f.party == party:
            by_slot.setdefault((f.section, f.kind, tuple(sorted(a.id for a in f.areas.all()))), f)
    groups = []
    for section, ids in keys:
        area_label = "、".join(area_names.get(i, "?") for i in ids)
        label = area_label if section == Finding.Section.AREAS and ids else Finding.Section(section).label
        group = FindingGroup(section=section, label=label, area_ids=list(ids))
        for kind in Finding.Kind:
            group.slots.append(
                FindingSlot(
                    party=party, section=section, section_label=Finding.Section(section).label, kind=kind.value,
                    kind_label=kind.label, area_ids=list(ids), area_label=area_label,
                    finding=by_slot.get((section, kind.value, ids)),
                )
            )
        groups.append(group)
    return groups


def _findings(evaluation: Evaluation, party: str | None = None) -> list[Finding]:
    qs = Finding.objects.filter(evaluation=evaluation).prefetch_related("areas").order_by("order", "id")
    if party:
        qs = qs.filter(party=party)
    return list(qs)


# --- scoring page -----------------------------------------------------------------------------------------------


@dataclass
class RubricView:
    sections: list[EvaluationSection]
    raw_total: Decimal
    raw_max: Decimal
    scored: int
    count: int

    @property
    def points(self) -> Decimal | None:
        if not self.raw_max:
            return None
        return points_from_rubric(self.raw_total, self.raw_max, PARTY_WEIGHTS[Party.THIRD_PARTY])


def rubric_view(evaluation: Evaluation) -> RubricView:
    """The frozen rubric with items, their last editor and evidence: 3 queries whatever the size."""
    sections = list(
        EvaluationSection.objects.filter(evaluation=evaluation).prefetch_related(
            Prefetch(
                "items",
                queryset=EvaluationItem.objects.select_related("updated_by").prefetch_related(
                    Prefetch("attachments", queryset=EvidenceAttachment.objects.order_by("uploaded_at", "id"))
                ),
            )
        )
    )
    raw = Decimal(0)
    raw_max = Decimal(0)
    scored = count = 0
    for section in sections:
        section.max_total = sum((i.max_points for i in section.items.all()), Decimal(0))
        section.score_total = sum((i.score for i in section.items.all() if i.score is not None), Decimal(0))
        raw += section.score_total
        raw_max += section.max_total
        count += len(section.items.all())
        scored += sum(1 for i in section.items.all() if i.score is not None)
    return RubricView(sections=sections, raw_total=raw, raw_max=raw_max, scored=scored, count=count)


@dataclass
class ReferenceData:
    """考核期 facts shown beside the rubric: 附件1 indicator completion and 附件2 staff on post."""

    indicators: Any
    staff: Any


def reference_data(evaluation: Evaluation) -> ReferenceData:
    from indicators.selectors import indicator_completion_table
    from stations.selectors import staff_on_post_table

    contract = evaluation.contract
    return ReferenceData(
        indicators=indicator_completion_table(contract, evaluation.period_end),
        staff=staff_on_post_table(contract, evaluation.period_start, evaluation.period_end),
    )


def third_party_findings(evaluation: Evaluation) -> list[FindingGroup]:
    areas = list(evaluation.contract.service_areas.order_by("order", "id"))
    return finding_groups(evaluation, Party.THIRD_PARTY, areas, _findings(evaluation, Party.THIRD_PARTY))


def party_score(evaluation: Evaluation, party: str) -> PartyScore:
    return PartyScore.objects.select_related("submitted_by").get(evaluation=evaluation, party=party)


def party_findings(evaluation: Evaluation, party: str) -> list[FindingGroup]:
    areas = list(evaluation.contract.service_areas.order_by("order", "id"))
    return finding_groups(evaluation, party, areas, _findings(evaluation, party))


# --- detail -----------------------------------------------------------------------------------------------------


@dataclass
class PartyBlock:
    score: PartyScore
    groups: list[FindingGroup]
    visible: bool = True  # False: the viewer sees only the party's state (issue 9 §4), groups are empty


def evaluation_parties(evaluation: Evaluation, user: User) -> list[PartyBlock]:
    """Each party's score and findings (for the detail page), as far as `user` may see them (a draft only by its own
    party and the administrator: reports.permissions.party_content_visible): 4 queries."""
    from .permissions import party_content_visible

    scores = sorted(
        PartyScore.objects.filter(evaluation=evaluation).select_related("submitted_by"),
        key=lambda s: PARTY_ORDER.index(s.party),
    )
    areas = list(evaluation.contract.service_areas.order_by("order", "id"))
    findings = _findings(evaluation)
    blocks = []
    for s in scores:
        if party_content_visible(user, evaluation, s.party, s.status):
            blocks.append(PartyBlock(score=s, groups=finding_groups(evaluation, s.party, areas, findings)))
        else:
            blocks.append(PartyBlock(score=s, groups=[], visible=False))
    return blocks


# the codes the services record in EvaluationEvent.field, by their Chinese names
EVENT_FIELD_LABELS = {
    "points": "得分", "score_100": "百分制得分", "total_score": "总得分", "grade": "等级", "status": "状态",
    "score": "得分", "note": "评分说明", "declaration": "回避声明", "attachment": "证据文件",
}


def _event_value(event, text: str) -> str:
    """A recorded value as a person reads it: state codes by their labels (submitted → 已提交)."""
    if event.field == "status":
        choices = dict(PartyScore.Status.choices) if event.party else dict(Evaluation.Status.choices)
        return str(choices.get(text, text))
    if event.field == "declaration":
        return str(dict(EvaluationAssignment.Declaration.choices).get(text, text))
    return text


def _event_field(event, area_names: dict[int, str]) -> str:
    if event.field.startswith("finding:"):
        _, section, kind, areas = (event.field.split(":", 3) + ["", "", ""])[:4]
        parts = ["评估意见", str(dict(Finding.Section.choices).get(section, section)),
                 str(dict(Finding.Kind.choices).get(kind, kind))]
        names = [area_names.get(int(a), "") for a in areas.split(",") if a.strip().isdigit()]
        if any(names):
            parts.append("、".join(n for n in names if n))
        return " · ".join(parts)
    return EVENT_FIELD_LABELS.get(event.field, event.field)


def history_rows(evaluation: Evaluation, events) -> list:
    """The events of one history page with `field_text`, `old_text`, `new_text` in Chinese (one query for 片区)."""
    events = list(events)
    area_names = dict(evaluation.contract.service_areas.values_list("id", "name"))
    for event in events:
        event.field_text = _event_field(event, area_names)
        event.old_text = _event_value(event, event.old_value)
        event.new_text = _event_value(event, event.new_value)
    return events


# What a party's draft consists of in the history: hidden from the other parties while it is a draft.
DRAFT_CONTENT_ACTIONS = [
    EvaluationEvent.Action.ITEM_SCORED,
    EvaluationEvent.Action.FINDING_SAVED,
    EvaluationEvent.Action.PARTY_SCORE_SAVED,
    EvaluationEvent.Action.ATTACHMENT_ADDED,
    EvaluationEvent.Action.ATTACHMENT_REMOVED,
]


def evaluation_history(evaluation: Evaluation, user: User) -> QuerySet:
    """The evaluation's events, newest first, without the score, note, evidence and finding changes of the parties whose
    draft `user` may not see (their declarations, submissions and reopenings stay: they are states)."""
    from .permissions import hidden_parties

    statuses = dict(PartyScore.objects.filter(evaluation=evaluation).values_list("party", "status"))
    qs = EvaluationEvent.objects.filter(evaluation=evaluation)
    hidden = hidden_parties(user, evaluation, statuses)
    if hidden:
        qs = qs.exclude(party__in=hidden, action__in=DRAFT_CONTENT_ACTIONS)
    return qs.select_related("actor", "item").order_by("-at", "-id")


# --- payment tranches -------------------------------------------------------------------------------------------


@dataclass
class TrancheRow:
    tranche: Any
    amount: Decimal
    met: bool
    basis: str


def tranche_condition(tranche, finalised: dict) -> tuple[bool, str]:
    """Whether a tranche's condition is met, and on what (seed 004: 55% on signing, 40% once the finalised mid-term
    grade is 合格 or better, 5% once the final one is). `finalised`: the contract's finalised evaluations by kind.
    The frozen grade decides, not a recomputation (a finalised evaluation never changes under the payment)."""
    from stations.models import PaymentTranche

    if tranche.condition == PaymentTranche.Condition.ON_SIGNING:
        return True, "合同已签订"
    kind = Evaluation.Kind.MIDTERM if tranche.condition == PaymentTranche.Condition.MIDTERM_PASSED else (
        Evaluation.Kind.FINAL
    )
    evaluation = finalised.get(kind)
    if evaluation is None:
        return False, f"{kind.label}尚未定稿"
    met = evaluation.grade in (Grade.EXCELLENT, Grade.GOOD, Grade.PASS)
    return met, f"{kind.label} {evaluation.total_score:.2f} 分，{evaluation.get_grade_display()}"


def tranche_rows(contract: Contract) -> list[TrancheRow]:
    """Each tranche with its amount (tranche_amount, to the cent) and whether its condition is met
    (tranche_condition)."""
    finalised = {
        e.kind: e
        for e in Evaluation.objects.filter(contract=contract, status=Evaluation.Status.FINALISED)
    }
    rows = []
    for tranche in contract.tranches.order_by("order"):
        met, basis = tranche_condition(tranche, finalised)
        rows.append(TrancheRow(tranche, tranche_amount(contract.budget, tranche.percentage), met, basis))
    return rows

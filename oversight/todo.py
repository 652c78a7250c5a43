"""Homes as to-do lists for every role (issue 10 §5): what is due now or overdue, never history.

Each section shows at most SECTION_LIMIT items (oldest deadline first), how many there are — counted up to COUNT_CAP,
beyond which the home says "超过 100 项" — and a link to the filtered list that holds all of them. Work per page is
bounded: quarter lists only look at contracts running now or whose last quarter is still within its grace period
(ACTIVE_GRACE), and a count stops at COUNT_CAP + 1 rows, however large the backlog of a district or of the city.

- 街道办: quarters due or overdue, returned quarters (with the reason), its 购买方 (20%) score pending;
- 第三方评估: 回避 declarations to make and scoring to do, with the evaluation dates (no quarters: not its job);
- 区民政局: submitted quarters to review, quarters overdue in its district, its 监督方 (10%) score pending,
  evaluations past their date that are not finalised;
- 督导中心: its 督导中心 (15%) score pending, evaluations to finalise, submitted quarters awaiting the bureaus.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.urls import reverse

from evalportal.periods import Quarter, is_overdue
from evalportal.roles import (
    can_review_quarters,
    contract_scope,
    contracts_editable_by,
    contracts_returnable_by,
    is_admin,
    supervised_scope,
)
from reports.models import Evaluation, EvaluationAssignment, Party, PartyScore
from reports.permissions import centre_scores
from stations.models import QuarterSubmission
from stations.submissions import QuarterStatus, last_overdue_quarter, unsubmitted_quarters

SECTION_LIMIT = 10
COUNT_CAP = 100  # a section counts its items up to this; more is shown as "超过 100 项" (the full list has the count)
ACTIVE_GRACE = timedelta(days=120)  # a contract ended less than this ago still has its last quarters due
SCORE_HORIZON = timedelta(days=60)  # party scores show up this long before the evaluation date


@dataclass
class TodoItem:
    title: str
    url: str
    detail: str = ""
    due: date | None = None
    overdue: bool = False
    badge: str = ""
    when: str = ""  # "已逾期 5 天" / "剩 10 天"


def when(due: date | None, today: date, *, soon: int = 15) -> str:
    if due is None:
        return ""
    days = (due - today).days
    if days < 0:
        return f"已逾期 {-days} 天"
    return f"剩 {days} 天" if days <= soon else ""


@dataclass
class TodoSection:
    key: str
    title: str
    items: list[TodoItem]
    total: int
    more_url: str = ""
    empty: str = "没有待办事项。"
    tone: str = ""  # "danger" for returned/overdue work

    @property
    def capped(self) -> bool:
        """More than COUNT_CAP items: `total` is COUNT_CAP + 1, the exact count is the full list's."""
        return self.total > COUNT_CAP

    @property
    def total_label(self) -> str:
        return f"{COUNT_CAP}+" if self.capped else str(self.total)

    @property
    def more(self) -> int:
        return max(self.total - len(self.items), 0)

    @property
    def footer(self) -> str:
        if self.capped:
            return f"共超过 {COUNT_CAP} 项，查看全部"
        return f"还有 {self.more} 项，查看全部" if self.more else ""


@dataclass
class Todo:
    sections: list[TodoSection] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(s.total for s in self.sections)


def _url(name: str, *args, **params) -> str:
    base = reverse(name, args=args)
    return f"{base}?{urlencode(params)}" if params else base


def capped_count(qs: QuerySet) -> int:
    """How many rows `qs` has, counted up to COUNT_CAP + 1: the database stops at the first COUNT_CAP + 1 rows it finds
    (no ordering), so a home costs the same with a backlog of 101 items or of 10,000."""
    return qs.order_by()[:COUNT_CAP + 1].count()


def active_contracts(contracts: QuerySet, today: date) -> QuerySet:
    return contracts.filter(start_date__lte=today, end_date__gte=today - ACTIVE_GRACE)


# --- quarters ------------------------------------------------------------------------------------------------------


def _returned_item(status: QuarterStatus) -> TodoItem:
    """A quarter the bureau returned: it waits for the street office, with the reason given."""
    return TodoItem(f"{status.contract.station.name} · {status.quarter.label}",
                    reverse("quarter_entry", args=[status.contract.code, status.quarter.slug]),
                    detail=f"退回原因：{status.submission.return_reason}", due=status.deadline,
                    overdue=status.overdue, badge="已退回", when=when(status.deadline, status.today))


def _due_item(quarter: Quarter, code: str, station: str, today: date) -> TodoItem:
    """A quarter not submitted yet (no submission or a draft one: 填报中)."""
    return TodoItem(f"{station} · {quarter.label}", reverse("quarter_entry", args=[code, quarter.slug]),
                    detail=QuarterSubmission.Status.DRAFT.label, due=quarter.deadline,
                    overdue=is_overdue(quarter, today), when=when(quarter.deadline, today))


def quarter_sections(contracts: QuerySet, today: date, *, street: bool) -> list[TodoSection]:
    """Returned quarters (whatever their age: each waits for the street office) and the quarters of the running
    contracts not yet submitted (the street office: due now or overdue; the bureau: overdue only)."""
    returned_qs = (
        QuarterSubmission.objects.filter(status=QuarterSubmission.Status.RETURNED, contract__in=contracts.values("pk"))
        .select_related("contract__station")
        .order_by("year", "quarter", "contract__code")
    )
    returned = [
        _returned_item(QuarterStatus(s.contract, Quarter(s.year, s.quarter), s, today))
        for s in returned_qs[:SECTION_LIMIT]
    ]
    returned_total = capped_count(returned_qs)
    # the street office: every started quarter (open for entry); the bureau: those past their deadline only
    through = Quarter.of(today) if street else last_overdue_quarter(today)
    rows, due_total = unsubmitted_quarters(active_contracts(contracts, today), through, SECTION_LIMIT, COUNT_CAP + 1)
    due = [_due_item(quarter, code, station, today) for quarter, code, station in rows]
    sections = []
    if returned or street:
        sections.append(TodoSection(
            "returned", "已退回，需修改后重新提交" if street else "已退回，待街道办重新提交", returned, returned_total,
            _url("submission_list", status="returned", year=""), "没有被退回的季度。", tone="danger",
        ))
    sections.append(TodoSection(
        "due", "待提交的季度数据" if street else "逾期未提交的季度数据",
        due, due_total,
        reverse("contract_list") + f"?year={today.year}",
        "没有待提交的季度。" if street else "没有逾期未提交的季度。",
    ))
    return sections


def review_section(user, today: date) -> TodoSection:
    """Submitted quarters the bureau may approve or return (oldest submission first); the supervision centre follows the
    whole city's queue."""
    qs = (
        QuarterSubmission.objects.filter(contract_scope(user, "contract__"), status=QuarterSubmission.Status.SUBMITTED)
        .select_related("contract__station", "submitted_by")
        .order_by("submitted_at", "pk")
    )
    items = [
        TodoItem(f"{s.contract.station.name} · {s.year}年第{'一二三四'[s.quarter - 1]}季度",
                 reverse("quarter_entry", args=[s.contract.code, s.slug]),
                 detail=f"{s.submitted_by.display_name or s.submitted_by.username if s.submitted_by else '街道办'} 提交",
                 due=s.submitted_at.date() if s.submitted_at else None)
        for s in qs[:SECTION_LIMIT]
    ]
    title = "已提交，待审核" if can_review_quarters(user) else "已提交，待各区民政局审核"
    return TodoSection("review", title, items, capped_count(qs), _url("submission_list", status="submitted", year=""),
                       "没有待审核的季度。")


# --- evaluations ---------------------------------------------------------------------------------------------------


def party_score_section(party: str, scope: Q, today: date) -> TodoSection:
    """The user's own party score still to submit on evaluations in progress, dated within SCORE_HORIZON. `scope`
    selects the evaluations (paths from PartyScore): a condition on the evaluation's own columns where it can be one,
    so that the database reads the evaluations in progress by their index rather than every evaluation of the scope
    in every year (the supervision centre's scope is the whole city)."""
    qs = (
        PartyScore.objects.filter(
            scope, party=party, status=PartyScore.Status.DRAFT, evaluation__status=Evaluation.Status.DRAFT,
            evaluation__date__lte=today + SCORE_HORIZON,
        )
        .select_related("evaluation__contract__station")
        .order_by("evaluation__date", "evaluation__code")
    )
    label = Party(party).label
    weight = {"buyer": "20%", "supervisor": "10%", "supervision": "15%", "third_party": "55%"}[party]
    items = [
        TodoItem(f"{s.evaluation.contract.station.name} · {s.evaluation.get_kind_display()}",
                 reverse("evaluation_party", args=[s.evaluation.code, party]),
                 due=s.evaluation.date,
                 overdue=s.evaluation.date < today, when=when(s.evaluation.date, today))
        for s in qs[:SECTION_LIMIT]
    ]
    return TodoSection("party_score", f"待提交的{label}得分（{weight}）", items, capped_count(qs),
                       _url("evaluation_overview", status="draft", year=""), "没有待提交的评估得分。")


def evaluations_to_finalise_section(evaluations: QuerySet, today: date) -> TodoSection:
    """Evaluations past their date without all four scores (they finalise when the last party submits)."""
    qs = (
        evaluations.filter(status=Evaluation.Status.DRAFT, date__lte=today)
        .select_related("contract__station")
        .order_by("date", "code")
    )
    page = list(qs[:SECTION_LIMIT])
    missing: dict[int, list[str]] = {}
    rows = PartyScore.objects.filter(evaluation__in=[e.pk for e in page]).exclude(
        status=PartyScore.Status.SUBMITTED
    ).values_list("evaluation_id", "party")
    for evaluation_id, party in sorted(rows, key=lambda r: (r[0], Party.values.index(r[1]))):
        missing.setdefault(evaluation_id, []).append(Party(party).label.split("（")[0])
    items = [
        TodoItem(f"{e.contract.station.name} · {e.get_kind_display()}", reverse("evaluation_detail", args=[e.code]),
                 detail="尚未提交：" + "、".join(missing.get(e.pk, [])) if missing.get(e.pk) else "待定稿",
                 due=e.date, overdue=True, when=when(e.date, today))
        for e in page
    ]
    return TodoSection("finalise", "已过评估日期、尚未定稿的评估", items, capped_count(qs),
                       _url("evaluation_overview", overdue="true", year=""), "没有逾期未定稿的评估。",
                       tone="danger")


def evaluator_sections(user, today: date) -> list[TodoSection]:
    assignments = (
        EvaluationAssignment.objects.filter(user=user, evaluation__status=Evaluation.Status.DRAFT)
        .select_related("evaluation__contract__station")
        .order_by("evaluation__date", "evaluation__code")
    )
    pending = assignments.filter(declaration=EvaluationAssignment.Declaration.PENDING)
    declarations = [
        TodoItem(f"{a.evaluation.contract.station.name} · {a.evaluation.get_kind_display()}",
                 reverse("evaluation_declaration", args=[a.evaluation.code]),
                 detail="开始评分前，请先声明是否存在利益冲突（回避）",
                 due=a.evaluation.date, overdue=a.evaluation.date < today, badge="待声明",
                 when=when(a.evaluation.date, today))
        for a in pending[:SECTION_LIMIT]
    ]
    scoring_qs = assignments.filter(
        declaration=EvaluationAssignment.Declaration.NO_CONFLICT,
        evaluation__party_scores__party=Party.THIRD_PARTY,
        evaluation__party_scores__status=PartyScore.Status.DRAFT,
    )
    scoring = [
        TodoItem(f"{a.evaluation.contract.station.name} · {a.evaluation.get_kind_display()}",
                 reverse("evaluation_scoring", args=[a.evaluation.code]),
                 due=a.evaluation.date,
                 overdue=a.evaluation.date < today, when=when(a.evaluation.date, today))
        for a in scoring_qs[:SECTION_LIMIT]
    ]
    return [
        TodoSection("declarations", "待声明回避（利益冲突）的评估", declarations, capped_count(pending),
                    _url("evaluation_overview", status="draft", year=""), "没有待声明的评估。"),
        TodoSection("scoring", "待评分的评估（第三方 55%）", scoring, capped_count(scoring_qs),
                    _url("evaluation_overview", status="draft", year=""), "没有待评分的评估。"),
    ]


# --- per role ------------------------------------------------------------------------------------------------------


def todo_for(user, today: date) -> Todo:
    from evalportal.roles import evaluations_visible_to

    todo = Todo()
    if user.role == "street":
        contracts = contracts_editable_by(user)
        todo.sections += quarter_sections(contracts, today, street=True)
        todo.sections.append(party_score_section(Party.BUYER, Q(evaluation__contract__in=contracts.values("pk")), today))
    elif user.role == "evaluator":
        todo.sections += evaluator_sections(user, today)
    elif user.role == "bureau":
        todo.sections.append(review_section(user, today))
        todo.sections += quarter_sections(contracts_returnable_by(user), today, street=False)
        todo.sections.append(party_score_section(Party.SUPERVISOR, supervised_scope(user, "evaluation__contract__"), today))
        todo.sections.append(evaluations_to_finalise_section(evaluations_visible_to(user), today))
    elif user.role == "supervision":
        todo.sections.append(party_score_section(Party.SUPERVISION_CENTRE, centre_scores(user, prefix="evaluation__"),
                                                 today))
        todo.sections.append(evaluations_to_finalise_section(evaluations_visible_to(user), today))
        todo.sections.append(review_section(user, today))
    if is_admin(user):
        todo.sections.append(review_section(user, today))
        todo.sections.append(evaluations_to_finalise_section(evaluations_visible_to(user), today))
    return todo

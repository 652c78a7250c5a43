"""Who may do what with an evaluation (DOMAIN.md "Who uses it", issue 4). Built on evalportal.roles.

Visibility (404 outside it) comes from `evalportal.roles.evaluations_visible_to`; this module adds the finer rules:
which party a user may enter, who sees the rubric and its evidence, who may reopen, the 回避 gate for
evaluators (an assigned evaluator sees nothing of the station before declaring no conflict), and independent scoring
(issue 9 §4: `party_content_visible`, a party's unsubmitted work is its own until the evaluation is finalised).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from evalportal.roles import contracts_returnable_by, evaluations_visible_to, is_admin

from .models import Evaluation, EvaluationAssignment, Party, PartyScore

if TYPE_CHECKING:
    from stations.models import User


class DeclarationRequired(Exception):
    """An assigned evaluator has not yet declared (no) conflict of interest for this evaluation."""

    def __init__(self, evaluation: Evaluation) -> None:
        super().__init__(evaluation.code)
        self.evaluation = evaluation


def evaluations_open_to(user: User) -> QuerySet[Evaluation]:
    """Evaluations whose content (scores, findings, station data, PDF report) the user may see: those of
    `evaluations_visible_to`, and for an evaluator only those they declared no conflict for (回避). The one rule behind
    the report downloads, the overview's download buttons and the home page's results; `declaration_pending` is the
    same rule for one evaluation already in hand."""
    qs = evaluations_visible_to(user)
    if user.is_authenticated and user.role == "evaluator" and not is_admin(user):
        qs = qs.filter(
            assignments__user=user, assignments__declaration=EvaluationAssignment.Declaration.NO_CONFLICT
        ).distinct()
    return qs


def visible_evaluation(user: User, code: str, *, require_declaration: bool = True) -> Evaluation:
    """The evaluation `code` if the user may open it, else Http404; DeclarationRequired for an undeclared evaluator."""
    evaluation = (
        evaluations_visible_to(user)
        .select_related("contract__station__street", "agency", "supervision_centre")
        .filter(code=code)
        .first()
    )
    if evaluation is None:
        raise Http404("评估不存在或无权查看。")
    evaluation.user_assignment = assignment_for(user, evaluation)
    if require_declaration and declaration_pending(user, evaluation):
        raise DeclarationRequired(evaluation)
    return evaluation


def assignment_for(user: User, evaluation: Evaluation) -> EvaluationAssignment | None:
    if not user.is_authenticated or user.role != "evaluator":
        return None
    cached = getattr(evaluation, "user_assignment", False)
    if cached is not False:
        return cached
    return EvaluationAssignment.objects.filter(evaluation=evaluation, user=user).first()


def declaration_pending(user: User, evaluation: Evaluation) -> bool:
    if is_admin(user) or user.role != "evaluator":
        return False
    assignment = assignment_for(user, evaluation)
    return assignment is None or assignment.declaration != EvaluationAssignment.Declaration.NO_CONFLICT


def _same_district(user: User, evaluation: Evaluation) -> bool:
    org = user.organisation
    return bool(org and org.district_id and org.district_id == evaluation.contract.station.street.district_id)


def is_district_bureau(user: User, evaluation: Evaluation) -> bool:
    return user.is_authenticated and user.role == "bureau" and _same_district(user, evaluation)


def parties_enterable_by(user: User, evaluation: Evaluation) -> list[str]:
    """Which party's score and findings the user enters: 街道办 of the station's street → 购买方; 区民政局 of the district
    → 监督方; 督导中心 (the evaluation's centre, if one is named) → 督导中心; an assigned evaluator who declared no
    conflict → 第三方."""
    if not user.is_authenticated:
        return []
    org = user.organisation
    if user.role == "street" and org and org.street_id == evaluation.contract.station.street_id:
        return [Party.BUYER]
    if user.role == "bureau" and _same_district(user, evaluation):
        return [Party.SUPERVISOR]
    if user.role == "supervision" and org and evaluation.supervision_centre_id in (None, org.id):  # centre_scores
        return [Party.SUPERVISION_CENTRE]
    if user.role == "evaluator":
        assignment = assignment_for(user, evaluation)
        if assignment and assignment.declaration == EvaluationAssignment.Declaration.NO_CONFLICT:
            return [Party.THIRD_PARTY]
    return []


def centre_scores(user: User, prefix: str = "") -> Q:
    """The evaluations whose 督导中心 score the supervision centre user enters, as a filter (the rule of
    `parties_enterable_by`: the evaluation names this centre, or none). `prefix` is the path to the evaluation
    ("evaluation__" from a PartyScore). Conditions on the evaluation's own columns: the database reads the ones in
    another state or period by their indexes, not every evaluation of the city in every year."""
    org = user.organisation if user.is_authenticated and user.role == "supervision" else None
    if org is None:
        return Q(pk__in=[])
    return Q(**{f"{prefix}supervision_centre__isnull": True}) | Q(**{f"{prefix}supervision_centre": org})


def can_enter(user: User, evaluation: Evaluation, party: str) -> bool:
    return party in parties_enterable_by(user, evaluation)


def can_view_rubric(user: User, evaluation: Evaluation) -> bool:
    """The third party's item scores, notes and evidence: the declared evaluators, the district bureau, the supervision
    centre and admins. Evidence may show service recipients (保密), so the street office sees only the totals."""
    if is_admin(user) or user.role == "supervision":
        return True
    return is_district_bureau(user, evaluation) or can_enter(user, evaluation, Party.THIRD_PARTY)


def party_content_visible(user: User | None, evaluation: Evaluation, party: str, status: str) -> bool:
    """Whether `user` may see a party's score, rubric item scores, notes, evidence and findings (issue 9 §4, DOMAIN.md
    "Independence: the four parties score separately; no party's draft should be able to sway another's").

    Once the party has submitted, or the evaluation is finalised, everyone who may open the evaluation sees it. Until
    then it is the party's alone (whoever may enter it) and the system administrator's; the other parties and the
    bureau see only its state (未提交 / 已提交). `user=None` is the audience of the draft PDF report, which is one file
    for every reader: it prints submitted parts only.
    """
    if evaluation.status == Evaluation.Status.FINALISED or status == PartyScore.Status.SUBMITTED:
        return True
    if user is None or not user.is_authenticated:
        return False
    return is_admin(user) or can_enter(user, evaluation, party)


def hidden_parties(user: User | None, evaluation: Evaluation, statuses: dict[str, str]) -> set[str]:
    """The parties (of `statuses`: party → PartyScore status) whose content `user` may not see yet."""
    return {party for party, status in statuses.items() if not party_content_visible(user, evaluation, party, status)}


def can_reopen(user: User, evaluation: Evaluation) -> bool:
    """Reopening needs the supervisor (区民政局 of the district), DOMAIN.md "Lifecycle"."""
    return is_district_bureau(user, evaluation)


def can_create_evaluation(user: User) -> bool:
    return is_admin(user) or (user.is_authenticated and user.role == "bureau" and bool(user.organisation_id))


def contracts_for_new_evaluation(user: User) -> QuerySet:
    """The contracts the user supervises (监督方): the district bureau's, every one for an administrator."""
    return contracts_returnable_by(user)

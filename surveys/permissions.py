"""Who may see and do what with a survey (issue 14 §5). Personal data (names, phones, who was drawn) is for the
survey's own evaluator only; the station, the bureau and the city see counts and aggregates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from evalportal.roles import contracts_editable_by, contracts_visible_to, is_admin
from reports.models import EvaluationAssignment

from .models import Survey

if TYPE_CHECKING:
    from stations.models import User


def surveys_visible_to(user: User) -> QuerySet[Survey]:
    if not user.is_authenticated:
        return Survey.objects.none()
    if is_admin(user) or user.role == "supervision":
        return Survey.objects.all()
    if user.role == "evaluator":
        # 回避: a survey of an evaluation is the evaluator's only while they declared no conflict for it.
        return Survey.objects.filter(evaluator=user).filter(
            Q(evaluation__isnull=True)
            | Q(
                evaluation__assignments__user=user,
                evaluation__assignments__declaration=EvaluationAssignment.Declaration.NO_CONFLICT,
            )
        ).distinct()
    return Survey.objects.filter(contract__in=contracts_visible_to(user))


def visible_survey(user: User, pk: int) -> Survey:
    survey = (
        surveys_visible_to(user)
        .select_related("contract__station", "evaluation", "performance_evaluation", "evaluator", "points_item")
        .filter(pk=pk)
        .first()
    )
    if survey is None:
        raise Http404("调查不存在或无权查看。")
    return survey


def conducts(user: User, survey: Survey) -> bool:
    """The survey's evaluator: draws the sample, interviews, sees masked phones, prints slips, closes."""
    return user.is_authenticated and survey.evaluator_id == user.pk


def can_upload_roster(user: User, survey: Survey) -> bool:
    """The station's street office (the buyer, which keeps the service-user lists) while the survey is prepared."""
    return (
        survey.status == Survey.Status.DRAFT
        and user.is_authenticated
        and user.role == "street"
        and contracts_editable_by(user).filter(pk=survey.contract_id).exists()
    )

"""Who may see which object (DOMAIN.md "Who uses it"): one place, used by every view, export and report.

Access is decided per object from the user's organisation, not by role alone:
- 区民政局 sees every station of its district;
- 街道办 sees only its own street's station;
- 督导中心 sees every station of the city;
- 第三方评估 sees only the evaluations it is assigned to (and, once it declared no conflict, their station's data
  while that evaluation is open: 回避 per evaluation);
- 系统管理员 (role admin or superuser) sees everything.
Views answer 404 for anything outside these querysets.

This module sits below every app (issue 8: layers): it names their models through the app registry at call
time instead of importing them, so no app import runs upward.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import apps
from django.db.models import QuerySet

if TYPE_CHECKING:
    from stations.models import User


def is_admin(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role == "admin"))


def stations_visible_to(user: User) -> QuerySet:
    Station = apps.get_model("stations", "Station")

    qs = Station.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if is_admin(user) or user.role == "supervision":
        return qs
    org = user.organisation
    if org is None:
        return qs.none()
    if user.role == "bureau" and org.district_id:
        return qs.filter(street__district_id=org.district_id)
    if user.role == "street" and org.street_id:
        return qs.filter(street_id=org.street_id)
    if user.role == "evaluator":
        return qs.filter(contracts__in=_evaluator_contracts(user)).distinct()
    return qs.none()


def _evaluator_contracts(user: User) -> QuerySet:
    """回避 per evaluation (issue 9 §5): an evaluator sees a contract's station data (quarters, staff, activities, exports)
    only through an evaluation at hand, i.e. assigned to them, declared "no conflict" and not yet finalised, and not
    while an evaluation of the contract awaits their declaration. A declaration for an earlier, finalised evaluation
    leaves only that evaluation's own pages and report (reports.permissions)."""
    Contract = apps.get_model("stations", "Contract")

    def open_with(declaration: str) -> QuerySet:
        # One filter() call: the same assignment of the same evaluation.
        return Contract.objects.filter(
            evaluations__status="draft",
            evaluations__assignments__user=user,
            evaluations__assignments__declaration=declaration,
        ).values("pk")

    return Contract.objects.filter(pk__in=open_with("no_conflict")).exclude(pk__in=open_with("pending")).values("pk")


def sees_every_contract(user: User) -> bool:
    """The supervision centre and administrators see the whole city: contracts_visible_to is every contract."""
    return is_admin(user) or (user.is_authenticated and user.role == "supervision")


def contracts_visible_to(user: User) -> QuerySet:
    Contract = apps.get_model("stations", "Contract")

    if sees_every_contract(user):
        return Contract.objects.all()
    if user.is_authenticated and user.role == "evaluator":
        return Contract.objects.filter(pk__in=_evaluator_contracts(user))
    return Contract.objects.filter(station__in=stations_visible_to(user))


def contracts_editable_by(user: User) -> QuerySet:
    """Contracts whose indicator data and staff records the user may enter (the buying street office)."""
    Contract = apps.get_model("stations", "Contract")

    if is_admin(user):
        return Contract.objects.all()
    if user.is_authenticated and user.role == "street" and user.organisation_id:
        return Contract.objects.filter(station__street_id=user.organisation.street_id)
    return Contract.objects.none()


def evaluations_visible_to(user: User) -> QuerySet:
    """Evaluations the user may open. Evaluators see assigned ones (content only after declaring no conflict:
    use `evaluation_assignment` to check the declaration)."""
    Evaluation = apps.get_model("reports", "Evaluation")

    if not user.is_authenticated:
        return Evaluation.objects.none()
    if is_admin(user) or user.role == "supervision":
        return Evaluation.objects.all()
    if user.role == "evaluator":
        # One filter() call: the user's OWN assignment is not a conflict (an exclude() across the relation would
        # hide the evaluation as soon as any colleague declared a conflict).
        return Evaluation.objects.filter(
            assignments__user=user, assignments__declaration__in=("pending", "no_conflict")
        ).distinct()
    return Evaluation.objects.filter(contract__station__in=stations_visible_to(user))


def performance_evaluations_visible_to(user: User) -> QuerySet:
    PerformanceEvaluation = apps.get_model("reports", "PerformanceEvaluation")

    if not user.is_authenticated:
        return PerformanceEvaluation.objects.none()
    if is_admin(user) or user.role == "supervision":
        return PerformanceEvaluation.objects.all()
    if user.role == "bureau" and user.organisation and user.organisation.district_id:
        return PerformanceEvaluation.objects.filter(department__street__district_id=user.organisation.district_id)
    if user.role == "street" and user.organisation and user.organisation.street_id:
        return PerformanceEvaluation.objects.filter(department__street_id=user.organisation.street_id)
    return PerformanceEvaluation.objects.none()


def contracts_returnable_by(user: User) -> QuerySet:
    """Contracts whose submitted quarters the user may return: the bureau of the contract's district (监督方)."""
    Contract = apps.get_model("stations", "Contract")

    if is_admin(user):
        return Contract.objects.all()
    if user.is_authenticated and user.role == "bureau" and user.organisation_id and user.organisation.district_id:
        return Contract.objects.filter(station__street__district_id=user.organisation.district_id)
    return Contract.objects.none()

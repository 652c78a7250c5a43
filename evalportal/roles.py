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
from django.db.models import Q, QuerySet

if TYPE_CHECKING:
    from stations.models import User


def is_admin(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role == "admin"))


NOTHING = Q(pk__in=[])  # matches no row (Django answers it without a query)


def street_scope(user: User, prefix: str = "") -> Q:
    """Which streets' things the user oversees, as a condition on the path `prefix` to anything that belongs to a street
    (a station: ""; a street office: "department__"): the one statement of the district and street rules of the module
    docstring. No condition at all for a user who sees the whole city, so that the database reads a list in its own
    order from its index (`IN (every contract)` makes SQLite read it contract by contract). Evaluators are not decided
    here: they see through their evaluations (contract_scope)."""
    if not user.is_authenticated:
        return NOTHING
    if sees_every_contract(user):
        return Q()
    org = user.organisation
    if org is None:
        return NOTHING
    if user.role == "bureau" and org.district_id:
        return Q(**{f"{prefix}street__district_id": org.district_id})
    if user.role == "street" and org.street_id:
        return Q(**{f"{prefix}street_id": org.street_id})
    return NOTHING


def contract_scope(user: User, prefix: str = "") -> Q:
    """contracts_visible_to(user) as a condition on the path `prefix` to a contract ("" from a Contract, "contract__"
    from a quarter or an evaluation, "evaluation__contract__" from a party score). A district's or a street's contracts
    are `station IN (its stations)`: the database can start from those few stations, and then read each contract's
    rows by the indexes that lead with the contract (at 4,000 stations the bureau's evaluation overview counts its year
    in 1.0 ms this way, 3.0 ms through a join, which SQLite starts from the year's evaluations of the whole city)."""
    if _sees_through_evaluations(user):
        return Q(**{f"{prefix}pk__in": _evaluator_contracts(user)})
    scope = street_scope(user)
    if not scope:
        return scope  # the whole city: no condition
    return Q(**{f"{prefix}station__in": apps.get_model("stations", "Station").objects.filter(scope)})


def supervised_scope(user: User, prefix: str = "") -> Q:
    """The contracts the user supervises (监督方: the bureau of the contract's district; an administrator every one) as a
    condition on the path `prefix` to a contract: they may approve or return its quarters and create its evaluations."""
    if is_admin(user):
        return Q()
    if user.is_authenticated and user.role == "bureau":
        return contract_scope(user, prefix)
    return NOTHING


def can_review_quarters(user: User) -> bool:
    """Whether the user reviews (审核通过 / 退回) submitted quarters at all: the bureau, an administrator."""
    return bool(user.is_authenticated and (is_admin(user) or user.role == "bureau"))


def stations_visible_to(user: User) -> QuerySet:
    Station = apps.get_model("stations", "Station")
    Contract = apps.get_model("stations", "Contract")

    if _sees_through_evaluations(user):
        if user.organisation_id is None:
            return Station.objects.none()
        return Station.objects.filter(
            pk__in=Contract.objects.filter(pk__in=_evaluator_contracts(user)).values("station_id")
        )
    return Station.objects.filter(street_scope(user))


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


def _sees_through_evaluations(user: User) -> bool:
    """A third-party evaluator: sees only through the evaluations assigned to them (回避, _evaluator_contracts)."""
    return bool(user.is_authenticated and user.role == "evaluator" and not sees_every_contract(user))


def sees_every_contract(user: User) -> bool:
    """The supervision centre and administrators see the whole city: contracts_visible_to is every contract."""
    return is_admin(user) or (user.is_authenticated and user.role == "supervision")


def contracts_visible_to(user: User) -> QuerySet:
    return apps.get_model("stations", "Contract").objects.filter(contract_scope(user))


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

    if _sees_through_evaluations(user):
        # One filter() call: the user's OWN assignment is not a conflict (an exclude() across the relation would
        # hide the evaluation as soon as any colleague declared a conflict).
        return Evaluation.objects.filter(
            assignments__user=user, assignments__declaration__in=("pending", "no_conflict")
        ).distinct()
    return Evaluation.objects.filter(contract_scope(user, "contract__"))


def performance_evaluations_visible_to(user: User) -> QuerySet:
    PerformanceEvaluation = apps.get_model("reports", "PerformanceEvaluation")

    if _sees_through_evaluations(user):
        return PerformanceEvaluation.objects.none()
    # the implementing street office (实施单位) belongs to a street, as a station does
    return PerformanceEvaluation.objects.filter(street_scope(user, "department__"))


def contracts_returnable_by(user: User) -> QuerySet:
    """Contracts whose submitted quarters the user may approve or return: the bureau of the contract's district (监督方)."""
    return apps.get_model("stations", "Contract").objects.filter(supervised_scope(user))

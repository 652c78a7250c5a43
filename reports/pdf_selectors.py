"""Reads for the PDF downloads: which reports a user may download, and what a district bundle holds.

Access always starts from evalportal.roles (one place for who sees what); evaluators additionally need their own
"no conflict" declaration (回避, DOMAIN.md) before they may download a report of the station.
"""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from evalportal.roles import is_admin, performance_evaluations_visible_to
from stations.models import District, User

from .models import Evaluation, PerformanceEvaluation, ReportBundle
from .permissions import evaluations_open_to


def evaluations_reportable_by(user: User) -> QuerySet[Evaluation]:
    """Evaluations whose report the user may download: exactly those whose content the user may see
    (reports.permissions.evaluations_open_to: evaluators only after declaring no conflict)."""
    return evaluations_open_to(user)


def reportable_evaluation_ids(user: User, evaluations: list[Evaluation]) -> set[int]:
    """Which of `evaluations` (already visible to the user) the user may download: one query for any number."""
    if not evaluations:
        return set()
    ids = [e.pk for e in evaluations]
    return set(evaluations_reportable_by(user).filter(pk__in=ids).order_by().values_list("pk", flat=True))


def contract_reports_for(user: User, contract) -> tuple[list[Evaluation], list[PerformanceEvaluation]]:
    """The contract page's reports: its evaluations and 绩效评价 the user may download (two queries)."""
    evaluations = list(evaluations_reportable_by(user).filter(contract=contract).order_by("date", "code"))
    performance = list(
        performance_evaluations_reportable_by(user).filter(contract=contract).order_by("-year", "code")
    )
    return evaluations, performance


def performance_evaluations_reportable_by(user: User) -> QuerySet[PerformanceEvaluation]:
    return performance_evaluations_visible_to(user)


def bundle_districts_for(user: User) -> QuerySet[District]:
    """Districts whose reports the user may bundle: a bureau its own district; admin and the supervision centre any."""
    if not user.is_authenticated:
        return District.objects.none()
    if is_admin(user) or user.role == User.Role.SUPERVISION:
        return District.objects.order_by("code")
    if user.role == User.Role.BUREAU and user.organisation_id and user.organisation.district_id:
        return District.objects.filter(id=user.organisation.district_id)
    return District.objects.none()


def bundle_evaluations(bundle: ReportBundle) -> list[Evaluation]:
    """Every 评估 of the district dated within the period that the requester may download: one PDF per evaluation.

    An evaluation still in progress is included too; its report says 未定稿 on every page, so the bureau sees the
    whole period in one download and can tell the official reports from the drafts."""
    return list(
        evaluations_reportable_by(bundle.requested_by)
        .filter(
            contract__station__street__district_id=bundle.district_id,
            date__gte=bundle.period_from,
            date__lte=bundle.period_to,
        )
        .order_by("date", "code")
    )


def bundle_performance_evaluations(bundle: ReportBundle) -> list[PerformanceEvaluation]:
    """The district's 绩效评价 of the years the period touches that the requester may download."""
    return list(
        performance_evaluations_reportable_by(bundle.requested_by)
        .filter(
            department__street__district_id=bundle.district_id,
            year__gte=bundle.period_from.year,
            year__lte=bundle.period_to.year,
        )
        .order_by("year", "code")
    )


def bundles_of(user: User, *, limit: int = 10) -> list[ReportBundle]:
    return list(ReportBundle.objects.filter(requested_by=user).select_related("district")[:limit])


def bundle_visible_to(user: User) -> QuerySet[ReportBundle]:
    """A bundle is its requester's (an admin sees all)."""
    if not user.is_authenticated:
        return ReportBundle.objects.none()
    if is_admin(user):
        return ReportBundle.objects.all()
    return ReportBundle.objects.filter(requested_by=user)


def default_period(today: date) -> tuple[date, date]:
    """The bundle form's default: last year and this year (a mid-term and a final evaluation straddle the turn of
    the year: seed 001's contract runs 2024-12-11 → 2025-12-10)."""
    return date(today.year - 1, 1, 1), date(today.year, 12, 31)

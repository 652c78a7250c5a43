"""Reads for the signed reports: who may verify, publish, or download which archived version."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from evalportal.roles import is_admin

from ..models import ArchivedReport, Evaluation, PerformanceEvaluation, RenderedReport
from ..pdf_selectors import evaluations_reportable_by, performance_evaluations_reportable_by

if TYPE_CHECKING:
    from stations.models import User

# Columns a list needs: never the frozen HTML or the JSON (hundreds of KB per version).
LIST_FIELDS = (
    "id", "kind", "evaluation_id", "performance_evaluation_id", "code", "version", "title", "verification_code",
    "sha256", "size", "created_at", "superseded_by_id",
)


def can_verify_reports(user: User) -> bool:
    """报告核验 is for those who receive reports by e-mail and oversee stations: the district bureau, the supervision
    centre and the system administrator."""
    if not user.is_authenticated:
        return False
    if is_admin(user) or user.role == "supervision":
        return True
    return user.role == "bureau" and bool(user.organisation_id)


def can_publish_performance(user: User, pe: PerformanceEvaluation) -> bool:
    """A 绩效评价 is published (and withdrawn) by the bureau of the department's district, or the system administrator."""
    if is_admin(user):
        return True
    if not (user.is_authenticated and user.role == "bureau" and user.organisation_id):
        return False
    district_id = user.organisation.district_id
    return bool(district_id and pe.department.street_id and pe.department.street.district_id == district_id)


def archive_visible_to(user: User, archive: ArchivedReport) -> bool:
    """May the user see this version: exactly when the user may download the report it belongs to."""
    if archive.kind == RenderedReport.Kind.EVALUATION:
        return evaluations_reportable_by(user).filter(pk=archive.evaluation_id).exists()
    return performance_evaluations_reportable_by(user).filter(pk=archive.performance_evaluation_id).exists()


def archive_for_download(user: User, kind: str, code: str, version: int) -> ArchivedReport | None:
    if kind == RenderedReport.Kind.EVALUATION:
        subjects = evaluations_reportable_by(user).filter(code=code)
        qs = ArchivedReport.objects.filter(kind=kind, evaluation__in=subjects)
    elif kind == RenderedReport.Kind.PERFORMANCE:
        subjects = performance_evaluations_reportable_by(user).filter(code=code)
        qs = ArchivedReport.objects.filter(kind=kind, performance_evaluation__in=subjects)
    else:
        return None
    return qs.filter(version=version).first()


def attach_versions(evaluations: list[Evaluation], performance: list[PerformanceEvaluation]) -> None:
    """Set `.archive_versions` (newest first, each with `.superseded_version`) on every listed report: two queries at
    most, whatever the number of reports."""
    for objects, kind, key in (
        (evaluations, RenderedReport.Kind.EVALUATION, "evaluation_id"),
        (performance, RenderedReport.Kind.PERFORMANCE, "performance_evaluation_id"),
    ):
        if not objects:
            continue
        ids = [o.pk for o in objects]
        archives: QuerySet[ArchivedReport] = (
            ArchivedReport.objects.filter(kind=kind, **{f"{key}__in": ids}).only(*LIST_FIELDS).order_by("-version")
        )
        by_subject: dict[int, list[ArchivedReport]] = defaultdict(list)
        for archive in archives:
            by_subject[getattr(archive, key)].append(archive)
        for obj in objects:
            versions = by_subject.get(obj.pk, [])
            numbers = {a.pk: a.version for a in versions}
            for archive in versions:
                archive.superseded_version = numbers.get(archive.superseded_by_id)
            obj.archive_versions = versions

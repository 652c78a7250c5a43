"""Writes for the signed reports (issue 9 §2).

`report_archive_create` runs inside the transaction that finalises an evaluation or publishes a 绩效评价: it freezes the
report's HTML and its figures (JSON) as a new version with a verification code, and marks the previous version
superseded. The PDF/A itself is rendered once, after the commit (`archived_report_render`: seconds of layout must not
hold the database's write lock); a download or `manage.py run_worker` renders any version still pending, so a crash
between commit and render loses nothing. Every later download serves the stored file byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import IO, TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.text import get_valid_filename

from .. import pdf
from ..models import (
    ArchivedReport,
    Evaluation,
    PerformanceEvaluation,
    PerformanceEvaluationEvent,
    RenderedReport,
)
from ..rendering import ReportSource, rendered_report_fetch, report_filename, report_source
from .data import evaluation_report_data, performance_report_data

if TYPE_CHECKING:
    from stations.models import User

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L, U: the code is read off paper and typed in.
VERIFICATION_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
DATA_ATTACHMENT_NAME = "report-data.json"
DATA_ATTACHMENT_DESCRIPTION = "报告数据：得分、总分、等级、附件1/附件2 数字、服务协议信息（JSON）"
HASH_CHUNK = 1024 * 1024


def new_verification_code() -> str:
    """12 random characters in three groups, e.g. 7KQ2-M9XD-4HTP (30^12 ≈ 5×10^17 codes)."""
    raw = "".join(secrets.choice(VERIFICATION_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _subject_kwargs(source: ReportSource) -> dict:
    if source.kind == RenderedReport.Kind.EVALUATION:
        return {"evaluation": source.obj}
    return {"performance_evaluation": source.obj}


def report_archive_create(*, source: ReportSource, user: User | None) -> ArchivedReport:
    """Freeze the report of `source` as its next version (call inside the finalising transaction, with the subject's
    row locked). The PDF is rendered after the commit."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("report_archive_create must run inside the transaction that finalises the report")
    versions = ArchivedReport.objects.select_for_update().filter(kind=source.kind, code=source.code)
    previous = versions.order_by("-version").values_list("version", flat=True).first()
    version = (previous or 0) + 1
    code = new_verification_code()
    while ArchivedReport.objects.filter(verification_code=code).exists():  # pragma: no cover - 1 in 10^17
        code = new_verification_code()
    now = timezone.now()
    context = source.context()
    context["archive"] = {"code": code, "version": version, "archived_at": now}
    html = pdf.render_html(source.template, context)
    meta = {"verification_code": code, "version": version, "archived_at": now.isoformat()}
    if source.kind == RenderedReport.Kind.EVALUATION:
        data = evaluation_report_data(context, archive=meta)
    else:
        data = performance_report_data(context, archive=meta)
    archive = ArchivedReport(
        kind=source.kind, code=source.code, version=version, title=context["report"]["title"][:200],
        verification_code=code, html=html, data=data, created_at=now, created_by=user, **_subject_kwargs(source),
    )
    archive.full_clean()
    archive.save()
    ArchivedReport.objects.filter(kind=source.kind, code=source.code, superseded_by__isnull=True).exclude(
        pk=archive.pk
    ).update(superseded_by=archive)
    transaction.on_commit(partial(_render_after_commit, archive.pk))
    return archive


def _render_after_commit(pk: int) -> None:
    """Render right after the finalisation commits; a failure is logged and retried by the next download or worker."""
    try:
        archived_report_render(ArchivedReport.objects.get(pk=pk))
    except Exception:  # noqa: BLE001 - the finalisation is committed; the PDF is rendered again on demand
        logger.exception("PDF archive %s: render after finalisation failed; will render on first download", pk)


def data_attachment_bytes(data: dict) -> bytes:
    """The embedded JSON: keys sorted, so the bytes do not depend on how the database stored the JSON."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def archived_report_render(archive: ArchivedReport) -> ArchivedReport:
    """Render the PDF/A of a pending version and store it with its SHA-256; a rendered version is returned unchanged.

    Two processes rendering the same version at once each lay it out, but only the first to store wins (a conditional
    UPDATE): the archive never changes once stored."""
    if archive.is_rendered:
        return archive
    archive.refresh_from_db(fields=["file", "sha256", "size", "render_seconds", "rendered_at"])
    if archive.is_rendered:  # rendered meanwhile (right after the commit, or by another download)
        return archive
    started = time.perf_counter()
    content = pdf.render_archival_pdf(
        archive.html,
        attachments=[
            pdf.EmbeddedFile(
                name=DATA_ATTACHMENT_NAME, content=data_attachment_bytes(archive.data),
                description=DATA_ATTACHMENT_DESCRIPTION,
            )
        ],
    )
    seconds = Decimal(f"{time.perf_counter() - started:.3f}")
    digest = hashlib.sha256(content).hexdigest()
    name = get_valid_filename(f"{archive.kind}-{archive.code}-v{archive.version}-{digest[:12]}.pdf")
    field_file: FieldFile = archive.file
    field_file.save(name, ContentFile(content), save=False)
    stored = False
    try:
        with transaction.atomic():
            stored = bool(
                ArchivedReport.objects.filter(pk=archive.pk, sha256="").update(
                    file=field_file.name, sha256=digest, size=len(content), render_seconds=seconds,
                    rendered_at=timezone.now(),
                )
            )
    except IntegrityError:  # pragma: no cover - a SHA-256 collision with another archive
        logger.error("PDF archive %s: SHA-256 %s already recorded for another archive", archive.pk, digest)
    finally:
        # The loser removes its own file, never the winner's: on object storage (no exclusive create) two renders of
        # the same version can both write the same key (the name carries the digest), and deleting it then lost the
        # archived PDF (the smoke test's district ZIP failed with FileNotFoundError).
        winner = ArchivedReport.objects.filter(pk=archive.pk).values_list("file", flat=True).first()
        if not stored and field_file.name != winner:
            field_file.storage.delete(field_file.name)
    logger.info("PDF archive %s %s v%s rendered in %s s (%d bytes)", archive.kind, archive.code, archive.version,
                seconds, len(content))
    archive.refresh_from_db()
    return archive


def archived_reports_render_pending(*, limit: int | None = None) -> int:
    """Render versions still pending (a crash after the finalisation committed); run by `manage.py run_worker`."""
    pending = ArchivedReport.objects.filter(sha256="").order_by("created_at", "id")
    count = 0
    for archive in pending[:limit] if limit else pending:
        archived_report_render(archive)
        count += 1
    return count


# --- what a download serves -------------------------------------------------------------------------------------


def is_signed(obj: Evaluation | PerformanceEvaluation) -> bool:
    if isinstance(obj, Evaluation):
        return obj.status == Evaluation.Status.FINALISED
    return obj.status == PerformanceEvaluation.Status.PUBLISHED


def current_archive(obj: Evaluation | PerformanceEvaluation) -> ArchivedReport | None:
    """The latest version of a finalised/published report, archiving it now if it was finalised before archiving
    existed (data of that time) — None for a report in progress."""
    if not is_signed(obj):
        return None
    source = report_source(obj)
    archive = ArchivedReport.objects.filter(kind=source.kind, code=source.code).order_by("-version").first()
    if archive is not None and archive.superseded_by_id is None:
        return archive
    with transaction.atomic():
        model = type(obj)
        locked = model.objects.select_for_update().get(pk=obj.pk)
        if not is_signed(locked):
            return None
        archive = ArchivedReport.objects.filter(kind=source.kind, code=source.code, superseded_by__isnull=True).first()
        if archive is None:
            archive = report_archive_create(source=report_source(locked), user=None)
    return archive


@dataclass(frozen=True)
class ReportDownload:
    file: FieldFile
    filename: str
    archive: ArchivedReport | None


def archive_filename(archive: ArchivedReport) -> str:
    return f"{archive.title.strip() or archive.code}（第{archive.version}版）.pdf"


def archived_report_download(archive: ArchivedReport) -> ReportDownload:
    archive = archived_report_render(archive)
    return ReportDownload(file=archive.file, filename=archive_filename(archive), archive=archive)


def report_download(obj: Evaluation | PerformanceEvaluation) -> ReportDownload:
    """What the report's download link serves: the archived PDF/A of a finalised/published report, byte for byte;
    otherwise the current render (cached per version of the data)."""
    archive = current_archive(obj)
    if archive is not None:
        return archived_report_download(archive)
    rendered, title = rendered_report_fetch(source=report_source(obj))
    return ReportDownload(file=rendered.file, filename=report_filename(rendered, title), archive=None)


# --- verification -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    sha256: str
    size: int
    archive: ArchivedReport | None

    @property
    def genuine(self) -> bool:
        return self.archive is not None


def file_sha256(handle: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: handle.read(HASH_CHUNK), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def report_verify(handle: IO[bytes]) -> Verification:
    """Is this file, byte for byte, an archived report? By its SHA-256 against every stored version."""
    digest, size = file_sha256(handle)
    archive = (
        ArchivedReport.objects.filter(sha256=digest)
        .select_related("evaluation", "performance_evaluation", "superseded_by")
        .defer("html", "data", "superseded_by__html", "superseded_by__data")
        .first()
    )
    return Verification(sha256=digest, size=size, archive=archive)


def archived_report_check(archive: ArchivedReport) -> bool:
    """Does the stored file still hash to its recorded SHA-256 (after a restore, a storage migration)?"""
    if not archive.is_rendered or not archive.file.storage.exists(archive.file.name):
        return False
    with archive.file.storage.open(archive.file.name, "rb") as handle:
        return file_sha256(handle)[0] == archive.sha256


# --- 绩效评价: publish and withdraw -----------------------------------------------------------------------------


def _pe_event(pe: PerformanceEvaluation, user: User | None, action: str, **fields) -> PerformanceEvaluationEvent:
    return PerformanceEvaluationEvent.objects.create(evaluation=pe, actor=user, at=timezone.now(), action=action, **fields)


@transaction.atomic
def performance_evaluation_publish(*, pe: PerformanceEvaluation, user: User) -> ArchivedReport:
    """Publish a 绩效评价: its report is archived as the next version (PDF/A, verification code)."""
    pe = PerformanceEvaluation.objects.select_for_update().get(pk=pe.pk)
    if pe.status == PerformanceEvaluation.Status.PUBLISHED:
        raise ValidationError("该绩效评价已发布；如需修改，请先撤回发布并填写原因。")
    pe.status = PerformanceEvaluation.Status.PUBLISHED
    pe.published_at = timezone.now()
    pe.full_clean()
    pe.save(update_fields=["status", "published_at"])
    archive = report_archive_create(source=report_source(pe), user=user)
    _pe_event(pe, user, PerformanceEvaluationEvent.Action.PUBLISHED, old_value=PerformanceEvaluation.Status.DRAFT.label,
              new_value=f"第{archive.version}版（验证码 {archive.verification_code}）")
    return archive


@transaction.atomic
def performance_evaluation_withdraw(*, pe: PerformanceEvaluation, user: User, reason: str) -> PerformanceEvaluation:
    """Withdraw a published 绩效评价 for correction (reason required); its archived versions stay downloadable and the
    next publication becomes the next version."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["请填写撤回发布的原因。"]})
    pe = PerformanceEvaluation.objects.select_for_update().get(pk=pe.pk)
    if pe.status != PerformanceEvaluation.Status.PUBLISHED:
        raise ValidationError("该绩效评价尚未发布，无需撤回。")
    pe.status = PerformanceEvaluation.Status.DRAFT
    pe.published_at = None
    pe.save(update_fields=["status", "published_at"])
    _pe_event(pe, user, PerformanceEvaluationEvent.Action.WITHDRAWN, old_value=PerformanceEvaluation.Status.PUBLISHED.label,
              new_value=PerformanceEvaluation.Status.DRAFT.label, reason=reason)
    return pe

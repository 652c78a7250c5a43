"""Writes for the PDF reports: the rendered-file cache and the district ZIP bundles (issue 5).

- `rendered_report_fetch` renders a report once per version of the data behind it and keeps the file: the version is
  `pdf.html_fingerprint` of the report's HTML (built context + template + stylesheet), computed in ~50 ms against
  ~2 s for a render. Older versions of the same report are deleted once a newer one is stored.
- `report_bundle_*` queue, claim and build a district's ZIP; `manage.py run_worker` runs them outside the web
  request. Claiming uses `select_for_update(skip_locked=True)` where the database has it (PostgreSQL), so two
  workers never build the same bundle.
"""

from __future__ import annotations

import logging
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from stations.models import District, User

from . import pdf
from .builders import build_evaluation_report_context, build_performance_report_context
from .models import Evaluation, PerformanceEvaluation, RenderedReport, ReportBundle
from .pdf_selectors import bundle_districts_for, bundle_evaluations, bundle_performance_evaluations

logger = logging.getLogger(__name__)

EVALUATION_TEMPLATE = "reports/pdf/evaluation.html"
PERFORMANCE_TEMPLATE = "reports/pdf/performance.html"
# A running bundle whose worker has shown no progress for this long is handed to another worker.
STALE_AFTER = timedelta(minutes=10)


class ReportNotFound(LookupError):
    pass


@dataclass(frozen=True)
class ReportSource:
    """A report to render: its kind, code, title and how to build its HTML."""

    kind: str
    code: str
    obj: Evaluation | PerformanceEvaluation

    @property
    def template(self) -> str:
        return EVALUATION_TEMPLATE if self.kind == RenderedReport.Kind.EVALUATION else PERFORMANCE_TEMPLATE

    def context(self) -> dict:
        if self.kind == RenderedReport.Kind.EVALUATION:
            return build_evaluation_report_context(self.obj)
        return build_performance_report_context(self.obj)

    def html(self) -> str:
        return pdf.render_html(self.template, self.context())


def report_source(obj: Evaluation | PerformanceEvaluation) -> ReportSource:
    kind = RenderedReport.Kind.EVALUATION if isinstance(obj, Evaluation) else RenderedReport.Kind.PERFORMANCE
    return ReportSource(kind=kind, code=obj.code, obj=obj)


def report_source_for_code(code: str) -> ReportSource:
    """An evaluation or performance evaluation by its code (render_report); ReportNotFound otherwise."""
    evaluation = Evaluation.objects.filter(code=code).first()
    if evaluation is not None:
        return report_source(evaluation)
    pe = PerformanceEvaluation.objects.filter(code=code).first()
    if pe is not None:
        return report_source(pe)
    raise ReportNotFound(code)


def report_filename(rendered: RenderedReport, title: str) -> str:
    """The download name: the report's title, e.g. "广州市西村街社工服务站 中期评估报告.pdf"."""
    return f"{title.strip() or rendered.code}.pdf"


def _delete_files(names: list[str], storage) -> None:
    for name in names:
        try:
            storage.delete(name)
        except OSError:  # already gone: nothing to keep
            logger.warning("PDF: could not delete superseded report file %s", name)


def rendered_report_fetch(*, source: ReportSource) -> tuple[RenderedReport, str]:
    """The stored PDF for the current data of `source`, rendering it only when no stored file matches.

    Returns (rendered report, title). Rendering happens outside any transaction (it takes seconds); storing is
    atomic and tolerates a concurrent download storing the same version first.
    """
    context = source.context()
    html = pdf.render_html(source.template, context)
    title = context["report"]["title"]
    fingerprint = pdf.html_fingerprint(html)
    existing = RenderedReport.objects.filter(kind=source.kind, code=source.code, fingerprint=fingerprint).first()
    if existing is not None and existing.file and existing.file.storage.exists(existing.file.name):
        return existing, title

    started = time.perf_counter()
    data = pdf.render_pdf(html)
    seconds = Decimal(f"{time.perf_counter() - started:.3f}")
    logger.info("PDF: rendered %s %s in %s s (%d bytes)", source.kind, source.code, seconds, len(data))

    filename = get_valid_filename(f"{source.kind}-{source.code}-{fingerprint[:12]}.pdf")
    try:
        with transaction.atomic():
            rendered, created = RenderedReport.objects.select_for_update().get_or_create(
                kind=source.kind, code=source.code, fingerprint=fingerprint,
                defaults={"size": len(data), "render_seconds": seconds},
            )
            if created or not rendered.file or not rendered.file.storage.exists(rendered.file.name):
                rendered.size = len(data)
                rendered.render_seconds = seconds
                rendered.file.save(filename, ContentFile(data), save=False)
                rendered.full_clean()
                rendered.save()
            superseded = list(
                RenderedReport.objects.filter(kind=source.kind, code=source.code).exclude(pk=rendered.pk)
            )
            names = [r.file.name for r in superseded if r.file]
            RenderedReport.objects.filter(pk__in=[r.pk for r in superseded]).delete()
            storage = rendered.file.storage
            transaction.on_commit(lambda: _delete_files(names, storage))
    except IntegrityError:
        # Another download stored this version between our lookup and our insert: serve theirs.
        rendered = RenderedReport.objects.get(kind=source.kind, code=source.code, fingerprint=fingerprint)
    return rendered, title


# --- district bundles ---------------------------------------------------------------------------------------------


@transaction.atomic
def report_bundle_request(*, user: User, district: District, period_from: date, period_to: date) -> ReportBundle:
    """Queue a ZIP of every report of `district` for the period; the worker builds it."""
    if not bundle_districts_for(user).filter(pk=district.pk).exists():
        raise ValidationError({"district": "您无权打包下载该区的报告。"})
    bundle = ReportBundle(requested_by=user, district=district, period_from=period_from, period_to=period_to)
    bundle.full_clean()
    bundle.save()
    return bundle


def report_bundle_claim_next() -> ReportBundle | None:
    """Take the oldest queued bundle and mark it running; None when the queue is empty.

    On PostgreSQL the row is locked with SKIP LOCKED, so concurrent workers take different bundles; SQLite
    serialises writers anyway (select_for_update does nothing there).
    """
    with transaction.atomic():
        queued = ReportBundle.objects.filter(status=ReportBundle.Status.QUEUED).order_by("created_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            queued = queued.select_for_update(skip_locked=True)
        bundle = queued.first()
        if bundle is None:
            return None
        now = timezone.now()
        bundle.status = ReportBundle.Status.RUNNING
        bundle.started_at = now
        bundle.heartbeat_at = now
        bundle.progress_done = 0
        bundle.error = ""
        bundle.save(update_fields=["status", "started_at", "heartbeat_at", "progress_done", "error"])
        return bundle


def report_bundles_requeue_stale(*, now=None) -> int:
    """Hand running bundles whose worker died (no progress for STALE_AFTER) back to the queue."""
    now = now or timezone.now()
    return ReportBundle.objects.filter(
        status=ReportBundle.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER
    ).update(status=ReportBundle.Status.QUEUED, progress_done=0)


def _progress(bundle: ReportBundle, done: int) -> None:
    bundle.progress_done = done
    bundle.heartbeat_at = timezone.now()
    bundle.save(update_fields=["progress_done", "heartbeat_at"])


def _zip_name(source: ReportSource, title: str, used: set[str]) -> str:
    base = f"{source.code}_{title}".replace("/", "-").replace("\\", "-").strip()
    if isinstance(source.obj, Evaluation) and source.obj.status == Evaluation.Status.DRAFT:
        base += "（未定稿）"
    name = f"{base}.pdf"
    counter = 2
    while name in used:
        name = f"{base}_{counter}.pdf"
        counter += 1
    used.add(name)
    return name


def report_bundle_build(bundle: ReportBundle, *, should_stop: Callable[[], bool] = lambda: False) -> ReportBundle:
    """Build the ZIP of a claimed bundle: one PDF per report, progress saved after each one.

    Archived PDFs of finalised reports are used as they are; other stored PDFs are reused (`rendered_report_fetch`),
    only changed reports render. When `should_stop()` turns true
    (SIGTERM) the bundle goes back to the queue and no half-built file is kept. Errors mark it failed with a message.
    """
    from .archive.services import report_download  # the archive package builds on this module

    try:
        # Inside the try: a failure while listing the reports must mark the bundle failed too, not leave it
        # "running" (spinning on the page until the stale timeout) and take the worker down.
        sources = [report_source(e) for e in bundle_evaluations(bundle)]
        sources += [report_source(p) for p in bundle_performance_evaluations(bundle)]
        bundle.progress_total = len(sources)
        bundle.save(update_fields=["progress_total"])
        with tempfile.TemporaryFile() as buffer:
            with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
                used: set[str] = set()
                for index, source in enumerate(sources, start=1):
                    if should_stop():
                        bundle.status = ReportBundle.Status.QUEUED
                        bundle.progress_done = 0
                        bundle.save(update_fields=["status", "progress_done"])
                        logger.info("PDF bundle %s: stopped by the worker, back in the queue", bundle.pk)
                        return bundle
                    # A finalised/published report goes into the ZIP as its archived PDF/A, byte for byte.
                    download = report_download(source.obj)
                    title = download.filename.removesuffix(".pdf")
                    with download.file.open("rb") as handle:
                        archive.writestr(_zip_name(source, title, used), handle.read())
                    _progress(bundle, index)
            buffer.seek(0)
            name = get_valid_filename(
                f"reports-{bundle.district.code}-{bundle.period_from:%Y%m%d}-{bundle.period_to:%Y%m%d}-{bundle.pk}.zip"
            )
            bundle.file.save(name, File(buffer), save=False)
        bundle.status = ReportBundle.Status.DONE
        bundle.finished_at = timezone.now()
        bundle.save(update_fields=["file", "status", "finished_at"])
    except Exception as exc:  # a failed bundle must say so on the page instead of spinning forever
        logger.exception("PDF bundle %s failed", bundle.pk)
        bundle.status = ReportBundle.Status.FAILED
        bundle.error = f"生成失败：{type(exc).__name__}。请稍后重试，或联系系统管理员。"
        bundle.finished_at = timezone.now()
        bundle.save(update_fields=["status", "error", "finished_at"])
    return bundle


def report_bundles_process(*, should_stop: Callable[[], bool] = lambda: False, limit: int | None = None) -> int:
    """Build queued bundles until the queue is empty (or `limit` reached / stop requested). Returns how many.

    First renders any archived report whose PDF/A is still pending (a crash right after its finalisation)."""
    from .archive.services import archived_reports_render_pending

    archived_reports_render_pending(limit=5)
    report_bundles_requeue_stale()
    count = 0
    while not should_stop() and (limit is None or count < limit):
        bundle = report_bundle_claim_next()
        if bundle is None:
            break
        report_bundle_build(bundle, should_stop=should_stop)
        count += 1
    return count

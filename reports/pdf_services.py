"""Writes for the PDF reports: the district ZIP bundles (issue 5). Report sources and the rendered-file cache are in
reports.rendering (re-exported here); finalised reports go into a ZIP as their archived PDF/A (reports.archive).

- `report_bundle_*` queue, claim and build a district's ZIP; `manage.py run_worker` runs them outside the web
  request. Claiming uses `select_for_update(skip_locked=True)` where the database has it (PostgreSQL), so two
  workers never build the same bundle.
"""

from __future__ import annotations

import logging
import tempfile
import zipfile
from collections.abc import Callable
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from stations.models import District, User

from .archive.services import archived_reports_render_pending, report_download
from .models import Evaluation, ReportBundle
from .pdf_selectors import bundle_districts_for, bundle_evaluations, bundle_performance_evaluations

# Sources and the render cache live in reports.rendering (below the archive); kept importable from here.
from .rendering import (  # noqa: F401
    EVALUATION_TEMPLATE,
    PERFORMANCE_TEMPLATE,
    ReportNotFound,
    ReportSource,
    rendered_report_fetch,
    report_filename,
    report_source,
    report_source_for_code,
)

logger = logging.getLogger(__name__)

# A running bundle whose worker has shown no progress for this long is handed to another worker.
STALE_AFTER = timedelta(minutes=10)


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

"""Operations (issue 13): /healthz for the load balancer and the administrator's worker-queue page.

/healthz answers without login and without personal data: the database, the file storage and the age of the
newest worker heartbeat. 200 when the database and the storage answer (this app server can serve); 503 otherwise.
A stale worker does not make an app server unhealthy (it cannot fix it): it is reported, and the queue page shows it.
"""

from __future__ import annotations

import logging
import time

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection
from django.db.models import Count
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from evalportal.roles import is_admin
from reports.models import ReportBundle, WorkerHeartbeat

logger = logging.getLogger(__name__)
WORKER_STALE_SECONDS = 60  # the worker beats every poll (2 s) or after each bundle; a minute without one is a stop


def _worker_age() -> float | None:
    newest = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    return None if newest is None else round((timezone.now() - newest).total_seconds(), 1)


@never_cache
@require_GET
def healthz(request):
    started = time.monotonic()
    checks: dict[str, object] = {}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
        checks["worker_heartbeat_age_seconds"] = _worker_age()
    except DatabaseError:
        logger.exception("healthz: database check failed")
        checks["database"] = "error"
        checks["worker_heartbeat_age_seconds"] = None
        healthy = False
    try:
        default_storage.exists("healthz-probe")
        checks["storage"] = "ok"
    except Exception:  # any backend error (disk, network, credentials) means this server cannot serve files
        logger.exception("healthz: storage check failed")
        checks["storage"] = "error"
        healthy = False
    age = checks["worker_heartbeat_age_seconds"]
    checks["worker"] = "ok" if age is not None and age <= WORKER_STALE_SECONDS else "stale"
    checks["status"] = "ok" if healthy else "error"
    checks["elapsed_ms"] = round((time.monotonic() - started) * 1000, 1)
    return JsonResponse(checks, status=200 if healthy else 503, json_dumps_params={"ensure_ascii": False})


@login_required
def worker_queue(request):
    """The background worker's queue for the system administrator: live workers and the ZIP bundles waiting."""
    if not is_admin(request.user):
        raise PermissionDenied("只有系统管理员能查看后台任务队列。")
    now = timezone.now()
    workers = [
        {"name": w.name, "started_at": w.started_at, "age": (now - w.beat_at).total_seconds(),
         "stale": (now - w.beat_at).total_seconds() > WORKER_STALE_SECONDS}
        for w in WorkerHeartbeat.objects.order_by("-beat_at")[:20]
    ]
    counts = dict(ReportBundle.objects.values_list("status").annotate(n=Count("id")).order_by())
    waiting = (
        ReportBundle.objects.filter(status__in=[ReportBundle.Status.QUEUED, ReportBundle.Status.RUNNING])
        .select_related("district", "requested_by")
        .order_by("created_at")[:50]
    )
    failed = ReportBundle.objects.filter(status=ReportBundle.Status.FAILED).select_related("district").order_by(
        "-finished_at")[:10]
    return render(request, "operations/worker_queue.html", {
        "workers": workers, "counts": [(s.label, counts.get(s.value, 0)) for s in ReportBundle.Status],
        "waiting": waiting, "failed": failed, "stale_seconds": WORKER_STALE_SECONDS,
        "breadcrumbs": [("后台任务队列", None)],
    })


def bare(request):
    """The cheapest response the stack can give: the yardstick of the throughput measurement."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
def bare_page(request):
    """The site's layout with no content, behind login: what any signed-in page costs before its own work (session,
    user, navigation, base template), the second yardstick of the throughput measurement."""
    return render(request, "base.html")

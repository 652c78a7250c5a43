"""Report downloads: the PDF of an evaluation or performance evaluation, and a district's reports as one ZIP.

Every view filters through evalportal.roles (via reports.pdf_selectors) and answers 404 for anything outside.
Rendering a PDF happens at most once per version of its data (services.rendered_report_fetch); ZIPs are built by
`manage.py run_worker`, never in the request.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from evalportal.downloads import protected_download
from evalportal.listing import bound_filter, paginate, querystring_without_page
from evalportal.roles import stations_visible_to

from .archive.selectors import attach_versions, can_publish_performance, can_verify_reports
from .archive.services import report_download
from .filters import EvaluationFilter
from .models import ReportBundle
from .pdf_forms import BundleForm
from .pdf_selectors import (
    bundle_districts_for,
    bundle_visible_to,
    bundles_of,
    default_period,
    evaluations_reportable_by,
    performance_evaluations_reportable_by,
)
from .pdf_services import report_bundle_request


def _pdf_response(obj) -> HttpResponse:
    """A finalised evaluation / published 绩效评价 serves its archived PDF/A byte for byte; others the current render."""
    download = report_download(obj)
    response = protected_download(download.file, content_type="application/pdf", filename=download.filename)
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
@require_GET
def evaluation_pdf(request, code: str):
    evaluation = get_object_or_404(evaluations_reportable_by(request.user), code=code)
    return _pdf_response(evaluation)


@login_required
@require_GET
def performance_pdf(request, code: str):
    pe = get_object_or_404(performance_evaluations_reportable_by(request.user), code=code)
    return _pdf_response(pe)


def _annotate(user, evaluations, performance) -> bool:
    """Archived versions per report (two queries) and, per 绩效评价, whether the user may publish it."""
    attach_versions(evaluations, performance)
    verify_allowed = can_verify_reports(user)
    for pe in performance:
        pe.can_publish = can_publish_performance(user, pe)
    return verify_allowed
def _report_lists(request) -> dict:
    """The two report lists, filtered (issue 10 §3: default the current year) and paginated: the evaluation reports
    by the evaluation filters (?page=), the performance reports by the same year (?ppage=)."""
    user = request.user
    today = timezone.localdate()
    filterset = bound_filter(
        EvaluationFilter, request,
        evaluations_reportable_by(user).select_related("contract__station__street__district", "agency"),
        defaults={"year": str(today.year)}, stations=stations_visible_to(user), today=today,
    )
    performance = performance_evaluations_reportable_by(user).select_related("department__street__district").order_by(
        "-year", "code"
    )
    year = filterset.form.cleaned_data.get("year") if filterset.is_valid() else None
    if year:
        performance = performance.filter(year=int(year))
    page = paginate(request, filterset.qs)
    performance_page = paginate(request, performance, 20, "ppage")
    page.object_list, performance_page.object_list = list(page.object_list), list(performance_page.object_list)
    can_verify = _annotate(user, page.object_list, performance_page.object_list)
    return {
        "filter": filterset, "page": page, "querystring": querystring_without_page(request), "can_verify": can_verify,
        "performance_page": performance_page,
        "performance_querystring": querystring_without_page(request, "ppage"),
        "bundles": bundles_of(user),
    }


@login_required
@require_GET
def report_list(request):
    lists = _report_lists(request)
    districts = bundle_districts_for(request.user)
    start, end = default_period(timezone.localdate())
    form = BundleForm(districts=districts, initial={"period_from": start, "period_to": end}) if districts else None
    return render(request, "reports/report_list.html", {**lists, "form": form})


@login_required
@require_POST
def bundle_create(request):
    districts = bundle_districts_for(request.user)
    if not districts.exists():
        raise Http404("没有可打包下载的区。")
    form = BundleForm(request.POST, districts=districts)
    if form.is_valid():
        try:
            bundle = report_bundle_request(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "已提交打包请求，报告将在后台生成，完成后可在本页下载。")
            return redirect("report_bundle_detail", pk=bundle.pk)
    return render(request, "reports/report_list.html", {**_report_lists(request), "form": form}, status=400)


def _status_payload(bundle: ReportBundle) -> dict:
    return {
        "id": bundle.pk,
        "status": bundle.status,
        "status_display": bundle.get_status_display(),
        "done": bundle.progress_done,
        "total": bundle.progress_total,
        "percent": bundle.percent,
        "error": bundle.error,
        "download_url": reverse("report_bundle_download", args=[bundle.pk])
        if bundle.status == ReportBundle.Status.DONE else "",
    }


@login_required
@require_GET
def bundle_detail(request, pk: int):
    bundle = get_object_or_404(bundle_visible_to(request.user).select_related("district"), pk=pk)
    return render(request, "reports/bundle_detail.html", {"bundle": bundle, "status": _status_payload(bundle)})


@login_required
@require_GET
def bundle_status(request, pk: int):
    bundle = get_object_or_404(bundle_visible_to(request.user), pk=pk)
    return JsonResponse(_status_payload(bundle), json_dumps_params={"ensure_ascii": False})


@login_required
@require_GET
def bundle_download(request, pk: int):
    bundle = get_object_or_404(
        bundle_visible_to(request.user).select_related("district"), pk=pk, status=ReportBundle.Status.DONE
    )
    if not bundle.file:
        raise Http404("打包文件不存在。")
    name = f"{bundle.district.name}报告_{bundle.period_from:%Y%m%d}-{bundle.period_to:%Y%m%d}.zip"
    return protected_download(bundle.file, content_type="application/zip", filename=name)

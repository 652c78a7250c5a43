"""Archived versions, 报告核验 and the publication of a 绩效评价 (issue 9 §2).

Who learns what on the verification page: only users who may verify (区民政局, 督导中心, 系统管理员) reach it. A file that
matches an archived version is confirmed genuine to every one of them, since the uploader already holds its content;
the evaluation, version, supersession and a download link are shown only to users who may download that report, so
the page never reveals the existence of reopened or later versions of a report outside the user's own reach.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from evalportal.downloads import protected_download

from ..pdf_selectors import performance_evaluations_reportable_by
from .forms import VerifyForm, WithdrawForm, verify_max_bytes
from .selectors import archive_for_download, archive_visible_to, can_publish_performance, can_verify_reports
from .services import (
    archived_report_download,
    performance_evaluation_publish,
    performance_evaluation_withdraw,
    report_verify,
)


@login_required
@require_GET
def archive_pdf(request, kind: str, code: str, version: int):
    archive = archive_for_download(request.user, kind, code, version)
    if archive is None:
        raise Http404("该报告版本不存在或无权查看。")
    download = archived_report_download(archive)
    response = protected_download(download.file, content_type="application/pdf", filename=download.filename)
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    if not can_verify_reports(request.user):
        raise PermissionDenied("只有区民政局、督导中心和系统管理员可以核验报告。")
    result = None
    visible = False
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            result = report_verify(upload)
            visible = bool(result.archive) and archive_visible_to(request.user, result.archive)
    else:
        form = VerifyForm()
    return render(
        request, "reports/archive/verify.html",
        {"form": form, "result": result, "visible": visible, "max_mb": verify_max_bytes() // (1024 * 1024)},
        status=400 if request.method == "POST" and not form.is_valid() else 200,
    )


def _performance_for(request, code: str):
    pe = get_object_or_404(
        performance_evaluations_reportable_by(request.user).select_related("department__street"), code=code
    )
    if not can_publish_performance(request.user, pe):
        raise PermissionDenied("只有本区民政局或系统管理员可以发布或撤回绩效评价。")
    return pe


@login_required
@require_http_methods(["GET", "POST"])
def performance_publish(request, code: str):
    pe = _performance_for(request, code)
    if request.method == "POST":
        try:
            archive = performance_evaluation_publish(pe=pe, user=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request, f"已发布“{pe.title}”：报告已存档为第 {archive.version} 版，验证码 {archive.verification_code}。"
            )
        return redirect("report_list")
    return render(request, "reports/archive/performance_publish.html", {"pe": pe})


@login_required
@require_http_methods(["GET", "POST"])
def performance_withdraw(request, code: str):
    pe = _performance_for(request, code)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            performance_evaluation_withdraw(pe=pe, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"已撤回“{pe.title}”的发布；已存档的版本仍可下载，再次发布将生成新版本。")
        return redirect("report_list")
    return render(
        request, "reports/archive/performance_withdraw.html", {"pe": pe, "form": form},
        status=400 if request.method == "POST" else 200,
    )

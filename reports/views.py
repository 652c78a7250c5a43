"""Four-party evaluation screens (issue 4). URL names start with `evaluation_`.

Every view finds its evaluation through reports.permissions.visible_evaluation (404 outside the user's scope; an
evaluator who has not declared 回避 is sent to the declaration page, or gets 403 on JSON endpoints).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from evalportal.autosave import body_version, json_body, json_conflict, json_error, json_saved
from evalportal.downloads import protected_download
from evalportal.listing import bound_filter, querystring_without_page
from evalportal.roles import contracts_visible_to, evaluations_visible_to, stations_visible_to

from . import selectors, services
from .filters import EvaluationFilter
from .forms import DeclarationForm, EvaluationCreateForm, PartyEntryForm, ReopenForm
from .models import Evaluation, EvaluationAssignment, EvidenceAttachment, Finding, Party, PartyScore
from .pdf_selectors import evaluations_reportable_by
from .permissions import (
    DeclarationRequired,
    can_create_evaluation,
    can_enter,
    can_reopen,
    can_view_rubric,
    parties_enterable_by,
    party_content_visible,
    visible_evaluation,
)
from .rows import overview_rows

SESSION_EXPIRED = "登录已过期，请在新窗口重新登录；已输入的内容保存在本机，登录后会自动上传。"


def evaluation_view(*, require_declaration: bool = True, api: bool = False) -> Callable:
    """Resolve `code` to an evaluation the user may open, or answer 404 / the declaration page / a JSON error."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, code: str, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                if api:
                    return json_error(SESSION_EXPIRED, 401)
                return redirect_to_login(request.get_full_path())
            try:
                evaluation = visible_evaluation(request.user, code, require_declaration=require_declaration)
            except DeclarationRequired:
                if api:
                    return json_error("请先作出回避声明。", 403)
                return redirect("evaluation_declaration", code=code)
            return view(request, evaluation, *args, **kwargs)

        return wrapped

    return decorator


def _message(exc: ValidationError) -> str:
    return "；".join(exc.messages)


# --- overview and creation --------------------------------------------------------------------------------------


@login_required
def evaluation_overview(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    filterset = bound_filter(EvaluationFilter, request, evaluations_visible_to(request.user),
                             defaults={"year": str(today.year)}, stations=stations_visible_to(request.user), today=today)
    page = selectors.evaluation_overview_page(request.user, request.GET.get("page"), queryset=filterset.qs)
    return render(request, "reports/evaluation_overview.html", {
        "page": page, "rows": overview_rows(page.object_list), "can_create": can_create_evaluation(request.user), "parties": Party.choices,
        "filter": filterset, "querystring": querystring_without_page(request),
    })


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_create(request: HttpRequest) -> HttpResponse:
    if not can_create_evaluation(request.user):
        raise PermissionDenied("只有区民政局或系统管理员可以创建评估。")
    form = EvaluationCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            evaluation = services.evaluation_create(
                actor=request.user, contract=data["contract"], kind=data["kind"], date=data["date"],
                period_start=data["period_start"], period_end=data["period_end"], agency=data["agency"],
                supervision_centre=data["supervision_centre"], template=data["template"],
                evaluators=data["evaluators"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"已创建“{evaluation}”，评估员声明回避后即可评分。")
            return redirect("evaluation_detail", code=evaluation.code)
    return render(request, "reports/evaluation_create.html", {"form": form})


# --- 回避 ----------------------------------------------------------------------------------------------------------


@evaluation_view(require_declaration=False)
@require_http_methods(["GET", "POST"])
def evaluation_declaration(request: HttpRequest, evaluation: Evaluation) -> HttpResponse:
    assignment = evaluation.user_assignment
    if assignment is None:
        raise Http404("您未被分配到该评估。")
    if assignment.declaration == EvaluationAssignment.Declaration.NO_CONFLICT:
        return redirect("evaluation_detail", code=evaluation.code)
    form = DeclarationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        conflict = form.cleaned_data["declaration"] == "conflict"
        try:
            services.evaluation_declare(evaluation=evaluation, user=request.user, conflict=conflict)
        except ValidationError as exc:
            # Declared meanwhile in another tab: the first declaration stands.
            messages.error(request, _message(exc))
            return redirect("evaluation_overview")
        if conflict:
            messages.info(request, "已记录您的回避声明，您已退出本次评估。")
            return redirect("evaluation_overview")
        messages.success(request, "已记录无利益冲突声明。")
        return redirect("evaluation_scoring", code=evaluation.code)
    # Only the title and date: nothing of the station's data before the declaration.
    return render(request, "reports/evaluation_declaration.html", {"evaluation": evaluation, "form": form})


# --- detail, history --------------------------------------------------------------------------------------------


@evaluation_view()
def evaluation_detail(request: HttpRequest, evaluation: Evaluation) -> HttpResponse:
    user = request.user
    return render(request, "reports/evaluation_detail.html", {
        "evaluation": evaluation,
        "parties": selectors.evaluation_parties(evaluation, user),
        "enterable": parties_enterable_by(user, evaluation),
        "can_view_rubric": can_view_rubric(user, evaluation),
        "can_reopen": can_reopen(user, evaluation),
        "reopen_form": ReopenForm(),
        "show_tranches": user.role != "evaluator",
    })


@evaluation_view()
def evaluation_history(request: HttpRequest, evaluation: Evaluation) -> HttpResponse:
    page = Paginator(selectors.evaluation_history(evaluation, request.user), 100).get_page(request.GET.get("page"))
    rows = selectors.history_rows(evaluation, page.object_list)
    return render(request, "reports/evaluation_history.html", {"evaluation": evaluation, "page": page, "rows": rows})


@evaluation_view()
@require_POST
def evaluation_reopen(request: HttpRequest, evaluation: Evaluation) -> HttpResponse:
    if not can_reopen(request.user, evaluation):
        raise PermissionDenied("只有本区民政局可以重新开启评估。")
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.evaluation_reopen(
                evaluation=evaluation, user=request.user, reason=form.cleaned_data["reason"],
                parties=form.cleaned_data["parties"] or None,
            )
        except ValidationError as exc:
            messages.error(request, _message(exc))
        else:
            messages.success(request, "已重新开启，原因已记录。")
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect("evaluation_detail", code=evaluation.code)


# --- third-party scoring ----------------------------------------------------------------------------------------


def _third_party_editable(user: Any, evaluation: Evaluation, score: PartyScore) -> bool:
    return (
        can_enter(user, evaluation, Party.THIRD_PARTY)
        and score.status == PartyScore.Status.DRAFT
        and evaluation.status == Evaluation.Status.DRAFT
    )


@evaluation_view()
def evaluation_scoring(request: HttpRequest, evaluation: Evaluation) -> HttpResponse:
    if not can_view_rubric(request.user, evaluation):
        raise PermissionDenied("您无权查看第三方评分明细。")
    score = selectors.party_score(evaluation, Party.THIRD_PARTY)
    # Until the third party submits, its scores, notes, evidence and findings are its own (issue 9 §4).
    content_visible = party_content_visible(request.user, evaluation, Party.THIRD_PARTY, score.status)
    return render(request, "reports/evaluation_scoring.html", {
        "evaluation": evaluation,
        "content_visible": content_visible,
        "rubric": selectors.rubric_view(evaluation) if content_visible else None,
        "finding_groups": selectors.third_party_findings(evaluation) if content_visible else [],
        "reference": selectors.reference_data(evaluation),
        "score": score,
        "editable": content_visible and _third_party_editable(request.user, evaluation, score),
        "max_upload_mb": services.evidence_max_bytes() // (1024 * 1024),
    })


def _rubric_summary(evaluation: Evaluation) -> dict[str, Any]:
    raw, raw_max = services.rubric_totals(evaluation)
    return {"raw": f"{raw:.1f}", "max": f"{raw_max:.1f}"}


@evaluation_view(api=True)
@require_POST
def evaluation_item_autosave(request: HttpRequest, evaluation: Evaluation, item_id: int) -> JsonResponse:
    """Autosave of one rubric item (score and/or note) with the item version the browser started from."""
    if not can_enter(request.user, evaluation, Party.THIRD_PARTY):
        return json_error("您无权为该评估评分。", 403)
    try:
        data = json_body(request)
        fields = {k: data[k] for k in ("score", "note") if k in data}
        item = services.evaluation_item_update(
            evaluation=evaluation, item_id=item_id, user=request.user, version=body_version(data), fields=fields
        )
    except services.EditConflict as exc:
        return json_conflict(exc.message, exc.current)
    except ValidationError as exc:
        return json_error(_message(exc), 400)
    return json_saved(item.version, item=services.item_state(item), rubric=_rubric_summary(evaluation))


@evaluation_view(api=True)
@require_POST
def evaluation_finding_autosave(request: HttpRequest, evaluation: Evaluation) -> JsonResponse:
    """Autosave of one findings box (party × section × 片区 × 值得肯定/需要关注)."""
    try:
        data = json_body(request)
        party = str(data.get("party", ""))
        if not can_enter(request.user, evaluation, party):
            return json_error("您无权填写该评估方的评估意见。", 403)
        areas = data.get("areas") or []
        if not isinstance(areas, list) or not all(isinstance(a, int) for a in areas):
            raise ValidationError("片区格式错误。")
        finding = services.finding_save(
            evaluation=evaluation, party=party, user=request.user, section=str(data.get("section", "")),
            kind=str(data.get("kind", "")), area_ids=areas, text=str(data.get("text", "")), version=body_version(data),
        )
    except services.EditConflict as exc:
        return json_conflict(exc.message, exc.current)
    except ValidationError as exc:
        return json_error(_message(exc), 400)
    state = services.finding_state(finding)
    return json_saved(state["version"], finding=state)


def _attachment_json(evaluation: Evaluation, attachment: EvidenceAttachment) -> dict[str, Any]:
    from django.urls import reverse

    return {
        "id": attachment.id, "name": attachment.original_name, "size": attachment.size,
        "url": reverse("evaluation_attachment", args=[evaluation.code, attachment.id]),
        "delete_url": reverse("evaluation_attachment_delete", args=[evaluation.code, attachment.id]),
    }


@evaluation_view(api=True)
@require_POST
def evaluation_attachment_upload(request: HttpRequest, evaluation: Evaluation, item_id: int) -> JsonResponse:
    if not can_enter(request.user, evaluation, Party.THIRD_PARTY):
        return json_error("您无权上传证据。", 403)
    upload = request.FILES.get("file")
    if upload is None:
        return json_error("请选择要上传的图片或 PDF 文件。", 400)
    try:
        attachment = services.evidence_attach(evaluation=evaluation, item_id=item_id, user=request.user, upload=upload)
    except ValidationError as exc:
        return json_error(_message(exc), 400)
    return JsonResponse({"ok": True, "attachment": _attachment_json(evaluation, attachment)},
                        json_dumps_params={"ensure_ascii": False})


@evaluation_view(api=True)
@require_POST
def evaluation_attachment_delete(request: HttpRequest, evaluation: Evaluation, pk: int) -> JsonResponse:
    if not can_enter(request.user, evaluation, Party.THIRD_PARTY):
        return json_error("您无权删除证据。", 403)
    try:
        services.evidence_remove(evaluation=evaluation, attachment_id=pk, user=request.user)
    except ValidationError as exc:
        return json_error(_message(exc), 400)
    return JsonResponse({"ok": True})


@evaluation_view()
def evaluation_attachment(request: HttpRequest, evaluation: Evaluation, pk: int) -> HttpResponse:
    """Evidence is never a public media URL: only those who may see the rubric get the file."""
    score_status = PartyScore.objects.filter(evaluation=evaluation, party=Party.THIRD_PARTY).values_list(
        "status", flat=True
    ).first() or PartyScore.Status.DRAFT
    if not (
        can_view_rubric(request.user, evaluation)
        and party_content_visible(request.user, evaluation, Party.THIRD_PARTY, score_status)
    ):
        raise Http404("证据文件不存在或无权查看。")
    attachment = get_object_or_404(EvidenceAttachment, pk=pk, item__section__evaluation=evaluation)
    response = protected_download(
        attachment.file, content_type=attachment.content_type, filename=attachment.original_name,
        as_attachment=attachment.content_type == "application/pdf" and "download" in request.GET,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response


# --- the other parties ------------------------------------------------------------------------------------------


def _finding_inputs(request: HttpRequest, groups: list[selectors.FindingGroup]) -> list[services.FindingInput]:
    inputs = []
    for group in groups:
        for slot in group.slots:
            text = request.POST.get(f"finding-{slot.key}", "")
            try:
                version = int(request.POST.get(f"finding-{slot.key}-version", slot.version))
            except ValueError:
                version = slot.version
            inputs.append(services.FindingInput(slot.section, slot.kind, tuple(slot.area_ids), text, version))
    return inputs


@evaluation_view()
@require_http_methods(["GET", "POST"])
def evaluation_party(request: HttpRequest, evaluation: Evaluation, party: str) -> HttpResponse:
    """Score and findings of 购买方 / 监督方 / 督导中心 (points out of the weight, or out of 100 and converted)."""
    if party not in Party.values:
        raise Http404("评估方不存在。")
    if party == Party.THIRD_PARTY:
        return redirect("evaluation_scoring", code=evaluation.code)
    if not can_enter(request.user, evaluation, party):
        raise PermissionDenied("您无权录入该评估方的得分。")
    score = selectors.party_score(evaluation, party)
    groups = selectors.party_findings(evaluation, party)
    editable = score.status == PartyScore.Status.DRAFT and evaluation.status == Evaluation.Status.DRAFT
    initial = {"version": score.version, "mode": "score_100" if score.score_100 is not None else "points",
               "value": "" if score.points is None else (
                   f"{score.score_100:.1f}" if score.score_100 is not None else f"{score.points:.2f}")}
    form = PartyEntryForm(request.POST or None, initial=initial)
    error, status = "", 200
    if request.method == "POST" and editable and form.is_valid():
        data = form.cleaned_data
        try:
            services.party_entry_save(
                evaluation=evaluation, party=party, user=request.user, version=data["version"],
                points=data["value"] if data["mode"] == "points" else None,
                score_100=data["value"] if data["mode"] == "score_100" else None,
                findings=_finding_inputs(request, groups), submit="submit" in request.POST,
            )
        except services.EditConflict as exc:
            error, status = exc.message + "（您填写的内容仍保留在下方，请核对后重新保存。）", 409
            # Re-saving now means "keep mine" over what is stored: carry the current versions.
            data = request.POST.copy()
            data["version"] = str(score.version)
            form = PartyEntryForm(data)
            form.is_valid()
        except ValidationError as exc:
            error, status = _message(exc), 400
            if "得分" in error:  # the score's refusals (range, format, missing at submission), not a finding's
                form.add_error("value", error)  # aria-invalid + aria-describedby on the field (issue 15)
        else:
            messages.success(request, "已提交。" if "submit" in request.POST else "已保存。")
            return redirect("evaluation_party", code=evaluation.code, party=party)
        # Keep what the user typed; show the stored values beside it.
        for group in groups:
            for slot in group.slots:
                slot.posted_text = request.POST.get(f"finding-{slot.key}", "")
    return render(request, "reports/evaluation_party.html", {
        "evaluation": evaluation, "score": score, "form": form, "groups": groups, "editable": editable,
        "error": error, "party_label": Party(party).label, "kinds": Finding.Kind,
    }, status=status)


@evaluation_view()
@require_POST
def evaluation_party_submit(request: HttpRequest, evaluation: Evaluation, party: str) -> HttpResponse:
    if party not in Party.values:
        raise Http404("评估方不存在。")
    if not can_enter(request.user, evaluation, party):
        raise PermissionDenied("您无权提交该评估方的得分。")
    try:
        services.party_score_submit(evaluation=evaluation, party=party, user=request.user)
    except ValidationError as exc:
        messages.error(request, _message(exc))
        target = "evaluation_scoring" if party == Party.THIRD_PARTY else "evaluation_party"
        kwargs = {"code": evaluation.code} if party == Party.THIRD_PARTY else {"code": evaluation.code, "party": party}
        return redirect(target, **kwargs)
    evaluation.refresh_from_db()
    if evaluation.status == Evaluation.Status.FINALISED:
        messages.success(request, f"四方得分已全部提交：总分 {evaluation.total_score:.2f} 分，{evaluation.get_grade_display()}。")
    else:
        messages.success(request, f"{Party(party).label}得分已提交。")
    return redirect("evaluation_detail", code=evaluation.code)


# --- payment tranches -------------------------------------------------------------------------------------------


@login_required
def evaluation_contract_tranches(request: HttpRequest, code: str) -> HttpResponse:
    """拨付批次 of a contract and whether each condition is met. Money is not the evaluators' business: 404."""
    if request.user.role == "evaluator":
        raise Http404("服务协议不存在或无权查看。")
    contract = get_object_or_404(
        contracts_visible_to(request.user).select_related("station", "buyer", "supervisor", "operator"), code=code
    )
    return render(request, "reports/evaluation_contract_tranches.html", {
        "contract": contract, "rows": selectors.tranche_rows(contract),
        "evaluations": evaluations_reportable_by(request.user).filter(contract=contract).order_by("kind", "date"),
    })

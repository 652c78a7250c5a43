"""Survey pages (issue 14): list, create, roster upload, sample, phone interviews, slips, results; and the
questionnaire a respondent opens from a one-time link (no login, no personal data)."""

from __future__ import annotations

import io
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from evalportal.autosave import body_version, json_body, json_conflict, json_error, json_saved
from evalportal.listing import bound_filter, paginate, querystring_without_page
from evalportal.roles import stations_visible_to
from evalportal.xlsx import XLSX_CONTENT_TYPE, UploadRejected, read_upload
from reports.permissions import DeclarationRequired, visible_evaluation

from . import services
from .calculations import RULE_TEXT, mask_phone
from .excel import parse_roster, roster_template
from .exports import results_workbook
from .filters import SurveyFilter
from .forms import InterviewForm, SurveyCreateForm
from .models import Respondent, RespondentGroup, Survey
from .permissions import can_upload_roster, conducts, surveys_visible_to, visible_survey
from .selectors import respondent_state, respondents_for_interview, survey_results


def _error_text(exc: ValidationError) -> str:
    return "；".join(exc.messages)


@login_required
def survey_list(request):
    """满意度调查 list: filtered (district, year, state, search), sorted and paginated; the current year by default."""
    today = timezone.localdate()
    surveys = surveys_visible_to(request.user).select_related("contract__station", "evaluation", "evaluator")
    filterset = bound_filter(SurveyFilter, request, surveys, defaults={"year": str(today.year)},
                             stations=stations_visible_to(request.user), today=today)
    page = paginate(request, filterset.qs, 20)
    return render(request, "surveys/survey_list.html", {
        "filter": filterset, "page": page, "querystring": querystring_without_page(request),
        "list_label": "满意度调查", "breadcrumbs": [("满意度调查", None)],
    })


@login_required
def survey_create(request, code: str):
    try:
        evaluation = visible_evaluation(request.user, code)
    except DeclarationRequired:
        return redirect("evaluation_declaration", code)
    if request.user.role != "evaluator":
        raise PermissionDenied("只有本评估的第三方评估员能创建满意度调查。")
    if evaluation.status == evaluation.Status.FINALISED:
        raise PermissionDenied("评估已定稿，不能再创建满意度调查。")
    form = SurveyCreateForm(request.POST or None, evaluation=evaluation)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        groups = [
            services.GroupInput(d["group1"], d["size1"] or 0, True),
            services.GroupInput(d.get("group2") or "", d.get("size2") or 0),
            services.GroupInput(d.get("group3") or "", d.get("size3") or 0),
        ]
        try:
            survey = services.survey_create(
                user=request.user, template=d["template"], title=d["title"], groups=groups, evaluation=evaluation,
                points_max=d["points_max"], points_item=d["points_item"],
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, "满意度调查已创建：请通知站点上传各群体的联系人名单。")
            return redirect("survey_detail", survey.pk)
    return render(request, "surveys/survey_create.html", {
        "form": form, "evaluation": evaluation,
        "breadcrumbs": [("评估", reverse("evaluation_overview")), (str(evaluation), None)],
    })


@login_required
def survey_detail(request, pk: int):
    return _detail(request, visible_survey(request.user, pk))


def _detail(request, survey: Survey, size_error: dict | None = None):
    """The survey's page; `size_error` ({"group": pk, "message": …}) shows a refused sample size on its input."""
    is_conductor = conducts(request.user, survey)
    results = survey_results(survey)
    show_results = is_conductor or survey.status == survey.Status.CLOSED
    return render(request, "surveys/survey_detail.html", {
        "survey": survey, "results": results, "show_results": show_results, "conducts": is_conductor,
        "can_upload": can_upload_roster(request.user, survey), "rule_text": RULE_TEXT,
        "groups": list(survey.groups.all()), "events": survey.events.select_related("user")[:20],
        "breadcrumbs": [("满意度调查", reverse("survey_list")), (survey.title, None)],
        "size_error": size_error,
    }, status=400 if size_error else 200)


@login_required
def survey_roster(request, pk: int, group: int):
    survey = visible_survey(request.user, pk)
    group = get_object_or_404(RespondentGroup, pk=group, survey=survey)
    if not can_upload_roster(request.user, survey):
        raise PermissionDenied("只有本站点的街道办在抽样前可以上传名单。")
    errors, more, total, stopped = [], 0, 0, False
    if request.method == "POST":
        try:
            parsed = parse_roster(read_upload(request.FILES.get("file")))
        except UploadRejected as exc:
            errors, total = [str(exc)], 1
        else:
            if parsed.errors:
                errors, more = [str(e) for e in parsed.errors], parsed.more_errors
                total, stopped = parsed.errors.total, parsed.errors.stopped
            else:
                count = services.roster_replace(survey=survey, group=group, user=request.user, rows=parsed.rows)
                messages.success(request, f"已上传“{group.name}”名单 {count} 人（替换此前上传的名单）。")
                return redirect("survey_detail", survey.pk)
    return render(request, "surveys/survey_roster.html", {
        "survey": survey, "group": group, "errors": errors, "more_errors": more, "error_total": total,
        "stopped": stopped,
        "breadcrumbs": [("满意度调查", reverse("survey_list")), (survey.title, reverse("survey_detail", args=[pk])),
                        (f"上传{group.name}名单", None)],
    })


@login_required
def survey_roster_template(request, pk: int):
    visible_survey(request.user, pk)
    response = HttpResponse(roster_template(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, "满意度调查名单模板.xlsx")
    return response


@login_required
@require_POST
def survey_sizes(request, pk: int):
    survey = visible_survey(request.user, pk)
    sizes = {}
    for group in survey.groups.all():
        raw = request.POST.get(f"size-{group.pk}", "")
        try:
            sizes[group.pk] = int(raw)
        except ValueError:
            # shown on the group's input, which points at it (issue 15 §2)
            return _detail(request, survey, {"group": group.pk, "message": f"“{group.name}”的样本量应为整数。"})
    try:
        services.group_sizes_set(survey=survey, user=request.user, sizes=sizes)
    except ValidationError as exc:
        group_pk = next((e.params["group"] for e in exc.error_list if e.code == "size_range"), None)
        if group_pk is not None:
            return _detail(request, survey, {"group": group_pk, "message": _error_text(exc)})
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "样本量已保存。")
    return redirect("survey_detail", pk)


@login_required
@require_POST
def survey_sample(request, pk: int):
    survey = visible_survey(request.user, pk)
    try:
        count = services.survey_draw_sample(survey=survey, user=request.user, seed=request.POST.get("seed", ""))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"已抽取 {count} 名受访者，调查开始。")
    return redirect("survey_detail", pk)


@login_required
def survey_interviews(request, pk: int):
    survey = visible_survey(request.user, pk)
    if not conducts(request.user, survey):
        raise Http404("调查不存在或无权查看。")
    page = paginate(request, respondents_for_interview(survey), 30)
    for respondent in page:
        respondent.masked = mask_phone(respondent.contact.phone) if respondent.contact else "（名单已删除）"
    return render(request, "surveys/survey_interviews.html", {
        "survey": survey, "page": page,
        "breadcrumbs": [("满意度调查", reverse("survey_list")), (survey.title, reverse("survey_detail", args=[pk])),
                        ("电话访问", None)],
    })


def _interview_respondent(request, pk: int, number: int) -> tuple:
    survey = visible_survey(request.user, pk)
    if not conducts(request.user, survey):
        raise Http404("调查不存在或无权查看。")
    respondent = get_object_or_404(
        Respondent.objects.select_related("group", "contact"), survey=survey, number=number
    )
    respondent.survey = survey
    return survey, respondent


@login_required
def survey_interview(request, pk: int, number: int):
    survey, respondent = _interview_respondent(request, pk, number)
    questions = list(survey.questions.all())
    current = {a.question_id: a.value for a in respondent.answers.all()}
    form = InterviewForm(request.POST or None, initial={
        "outcome": respondent.outcome, "comment": respondent.comment, "version": respondent.version,
    })
    errors = {}
    if request.method == "POST" and form.is_valid():
        answers = {q.pk: request.POST.get(f"q{q.pk}", "") for q in questions}
        current = {q: int(v) for q, v in answers.items() if str(v).isdigit()}
        try:
            services.interview_record(
                respondent=respondent, user=request.user, version=form.cleaned_data["version"],
                outcome=form.cleaned_data["outcome"], answers=answers, comment=form.cleaned_data["comment"],
            )
        except services.SurveyStale as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            form.add_error(None, "；".join(m for ms in errors.values() for m in ms))
        else:
            messages.success(request, f"{respondent.number:03d} 号受访者已保存。")
            following = survey.respondents.filter(number__gt=number, outcome=Respondent.Outcome.PENDING).order_by("number").first()
            if following and "next" in request.POST:
                return redirect("survey_interview", pk, following.number)
            return redirect("survey_interviews", pk)
    return _render_interview(request, survey, respondent, form, current, errors)


def _render_interview(request, survey, respondent, form, current, errors, phone=None):
    return render(request, "surveys/survey_interview.html", {
        "survey": survey, "respondent": respondent, "form": form, "errors": errors,
        # each error beside its question or the outcome, linked to it (issue 15 §2), as well as in the summary
        "questions": [(q, current.get(q.pk), " ".join(errors.get(f"q{q.pk}", []))) for q in survey.questions.all()],
        "outcome_error": " ".join(form.errors.get("outcome", []) or errors.get("outcome", [])), "phone": phone,
        "masked": mask_phone(respondent.contact.phone) if respondent.contact else "（名单已删除）",
        "editable": survey.status == survey.Status.OPEN,
        "breadcrumbs": [("满意度调查", reverse("survey_list")), (survey.title, reverse("survey_detail", args=[survey.pk])),
                        ("电话访问", reverse("survey_interviews", args=[survey.pk])), (f"{respondent.number:03d} 号", None)],
    })


@login_required
@require_POST
def survey_interview_autosave(request, pk: int, number: int):
    """The tablet page's autosave of one respondent (static/js/autosave.js, the scoring page's engine): the whole
    record with the version the evaluator started from; a second writer gets 409 with what is stored now."""
    survey, respondent = _interview_respondent(request, pk, number)
    try:
        data = json_body(request)
        answers = {q.pk: data.get(f"q{q.pk}", "") for q in survey.questions.all()}
        respondent = services.interview_record(
            respondent=respondent, user=request.user, version=body_version(data), outcome=str(data.get("outcome", "")),
            answers=answers, comment=str(data.get("comment", ""))[:2000],
        )
    except services.SurveyStale as exc:
        current = Respondent.objects.select_related("survey").get(pk=respondent.pk)
        return json_conflict(str(exc), respondent_state(current))
    except ValidationError as exc:
        return json_error(_error_text(exc), 400)
    respondent.survey = survey
    return json_saved(respondent.version, respondent=respondent_state(respondent))


@login_required
@require_POST
def survey_phone(request, pk: int, number: int):
    survey, respondent = _interview_respondent(request, pk, number)
    phone = services.phone_reveal(respondent=respondent, user=request.user)
    form = InterviewForm(initial={"outcome": respondent.outcome, "comment": respondent.comment,
                                  "version": respondent.version})
    current = {a.question_id: a.value for a in respondent.answers.all()}
    return _render_interview(request, survey, respondent, form, current, {}, phone=phone)


@login_required
@require_POST
def survey_slips(request, pk: int):
    """Printable slips with a one-time link and QR code each: the tokens are shown this once."""
    import segno

    survey = visible_survey(request.user, pk)
    try:
        pairs = services.links_generate(survey=survey, user=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("survey_detail", pk)
    slips = []
    for respondent, token in pairs:
        url = request.build_absolute_uri(reverse("survey_answer", args=[token]))
        buffer = io.BytesIO()
        segno.make(url, error="m").save(buffer, kind="svg", scale=3, border=2, xmldecl=False, svgns=True)
        slips.append({"respondent": respondent, "url": url, "qr": buffer.getvalue().decode()})
    response = render(request, "surveys/survey_slips.html", {"survey": survey, "slips": slips})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def survey_close(request, pk: int):
    survey = visible_survey(request.user, pk)
    try:
        services.survey_close(survey=survey, user=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "调查已结束：问卷链接已全部失效。")
    return redirect("survey_detail", pk)


@login_required
@require_POST
def survey_apply(request, pk: int):
    survey = visible_survey(request.user, pk)
    try:
        points = services.survey_apply(survey=survey, user=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    except services.EntryError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"服务对象满意度得分 {points.quantize(Decimal('0.01'))} 分已计入评价。")
    return redirect("survey_detail", pk)


@login_required
def survey_export(request, pk: int):
    survey = visible_survey(request.user, pk)
    if not (conducts(request.user, survey) or survey.status == survey.Status.CLOSED):
        raise PermissionDenied("调查结束后才能导出结果。")
    response = HttpResponse(results_workbook(survey), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{survey.title}-结果.xlsx")
    return response


def _rate_limited(request) -> bool:
    key = f"survey-link:{request.META.get('REMOTE_ADDR', '')}"
    count = cache.get_or_set(key, 0, 60)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, 60)
        count = 1
    return count > settings.SURVEY_LINK_RATE_PER_MINUTE


@never_cache
def survey_answer(request, token: str):
    """The questionnaire behind a one-time link: no login, nothing personal, large touch targets."""
    if _rate_limited(request):
        response = render(request, "surveys/answer_message.html", {
            "title": "请求过于频繁", "message": "请求过于频繁，请一分钟后再试。"}, status=429)
        response["Retry-After"] = "60"
        return response
    try:
        respondent = services.respondent_for_token(token)
    except services.LinkRefused as exc:
        return render(request, "surveys/answer_message.html", {"title": "无法作答", "message": str(exc)}, status=410)
    survey = respondent.survey
    questions = list(survey.questions.all())
    chosen, errors, comment = {}, {}, ""
    if request.method == "POST":
        chosen = {q.pk: request.POST.get(f"q{q.pk}", "") for q in questions}
        comment = request.POST.get("comment", "")[:2000]
        try:
            services.link_answer(token=token, answers=chosen, comment=comment)
        except services.LinkRefused as exc:
            return render(request, "surveys/answer_message.html", {"title": "无法作答", "message": str(exc)}, status=410)
        except ValidationError as exc:
            errors = {k: v[0] for k, v in exc.message_dict.items()}
        else:
            return render(request, "surveys/answer_message.html", {
                "title": "提交成功", "message": "问卷已提交，感谢您的参与！您的回答只用于评估社工服务质量。"})
    return render(request, "surveys/answer_form.html", {
        "survey": survey, "group": respondent.group,
        "questions": [(q, str(chosen.get(q.pk, "")), errors.get(f"q{q.pk}")) for q in questions],
        "errors": errors, "comment": comment,
    })


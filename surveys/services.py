"""Survey writes (issue 14): create, roster, sample, interview, one-time links, close, apply, purge.

Every write is atomic, checks who may do it, and leaves a SurveyEvent without personal data.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from evalportal import audit
from evalportal.edits import EntryError
from evalportal.locks import DataLocked, change_lock_reason
from reports.models import Evaluation, EvaluationItem, PerformanceEvaluation, PerformanceIndicator
from reports.satisfaction import SATISFACTION_INDICATOR

from .calculations import SCALES, draw_sample, format_rate, satisfaction_points
from .excel import RosterRow
from .models import (
    Answer,
    Contact,
    QuestionnaireTemplate,
    Respondent,
    RespondentGroup,
    Survey,
    SurveyEvent,
    SurveyQuestion,
)
from .permissions import can_upload_roster, conducts
from .selectors import survey_results

if TYPE_CHECKING:
    from stations.models import User

DEFAULT_GROUPS = [("服务对象", 45, True), ("居委会代表", 5, False), ("合作方代表", 2, False)]


class SurveyStale(EntryError):
    """Someone saved the same respondent since the page was opened."""


class LinkRefused(EntryError):
    """A questionnaire link that cannot be used (unknown, used, expired, survey closed)."""


def _event(survey: Survey, user, action: str, detail: str = "") -> None:
    SurveyEvent.objects.create(survey=survey, user=user, action=action, detail=detail[:300])


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class GroupInput:
    name: str
    sample_size: int
    drives_points: bool = False


@transaction.atomic
def survey_create(
    *,
    user: User,
    template: QuestionnaireTemplate,
    title: str,
    groups: Iterable[GroupInput],
    evaluation: Evaluation | None = None,
    performance_evaluation: PerformanceEvaluation | None = None,
    points_max: Decimal | None = None,
    points_item: EvaluationItem | None = None,
) -> Survey:
    """A survey for an evaluation the evaluator declared no conflict for (or, by the admin, for a 绩效评价), with
    the template's questions copied and frozen."""
    from reports.permissions import declaration_pending

    if evaluation is None and performance_evaluation is None:
        raise ValidationError("请选择调查所属的评估或绩效评价。")
    if evaluation is not None:
        if user.role != "evaluator" or declaration_pending(user, evaluation) or not evaluation.assignments.filter(
            user=user
        ).exists():
            raise PermissionDenied("只有已声明无利益冲突的本评估评估员才能创建满意度调查。")
        if evaluation.status == Evaluation.Status.FINALISED:
            raise ValidationError("评估已定稿，不能再创建满意度调查。")
        contract = evaluation.contract
    else:
        contract = performance_evaluation.contract
        if contract is None:
            raise ValidationError("该绩效评价未关联服务协议，无法抽取服务对象名单。")
    if points_item is not None and (evaluation is None or points_item.section.evaluation_id != evaluation.pk):
        raise ValidationError({"points_item": "计入的评估项必须属于本评估。"})
    group_list = [g for g in groups if g.name.strip()]
    if not group_list:
        raise ValidationError("请至少设置一个受访群体。")
    if sum(1 for g in group_list if g.drives_points) > 1:
        raise ValidationError("只能有一个群体（通常是服务对象）决定满意度得分。")
    questions = list(template.questions.all())
    if not questions:
        raise ValidationError("问卷模板没有题目。")
    survey = Survey(
        evaluation=evaluation, performance_evaluation=performance_evaluation, contract=contract,
        title=title.strip() or f"{contract.station.name}服务对象满意度调查", introduction=template.introduction,
        evaluator=user, points_max=points_max, points_item=points_item,
    )
    survey.full_clean()
    survey.save()
    SurveyQuestion.objects.bulk_create(
        SurveyQuestion(survey=survey, order=q.order, text=q.text, scale=q.scale) for q in questions
    )
    RespondentGroup.objects.bulk_create(
        RespondentGroup(survey=survey, name=g.name.strip()[:30], order=i, sample_size=g.sample_size,
                        drives_points=g.drives_points)
        for i, g in enumerate(group_list)
    )
    _event(survey, user, "创建", f"问卷“{template.name}”，{len(questions)} 题，{len(group_list)} 个受访群体")
    return survey


@transaction.atomic
def group_sizes_set(*, survey: Survey, user: User, sizes: Mapping[int, int]) -> None:
    if not conducts(user, survey):
        raise PermissionDenied("只有负责评估员能设置样本量。")
    if survey.status != Survey.Status.DRAFT:
        raise ValidationError("已抽样，不能再修改样本量。")
    for group in survey.groups.select_for_update():
        if group.pk in sizes and sizes[group.pk] != group.sample_size:
            if not 0 <= sizes[group.pk] <= 1000:
                raise ValidationError(f"“{group.name}”的样本量应在 0 到 1000 之间。", code="size_range",
                                      params={"group": group.pk})
            _event(survey, user, "修改样本量", f"{group.name}：{group.sample_size} → {sizes[group.pk]}")
            group.sample_size = sizes[group.pk]
            group.save(update_fields=["sample_size"])


@transaction.atomic
def roster_replace(*, survey: Survey, group: RespondentGroup, user: User, rows: list[RosterRow]) -> int:
    """The group's contact list as uploaded (replacing an earlier upload), while the survey is being prepared."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if not can_upload_roster(user, survey):
        raise PermissionDenied("只有本站点的街道办在抽样前可以上传名单。")
    if group.survey_id != survey.pk:
        raise ValidationError("受访群体不属于本调查。")
    group.contacts.all().delete()
    Contact.objects.bulk_create(
        Contact(group=group, row=r.row, name=r.name, phone=r.phone, area=r.area, service_type=r.service_type)
        for r in rows
    )
    _event(survey, user, "上传名单", f"{group.name}：{len(rows)} 人")
    return len(rows)


@transaction.atomic
def survey_draw_sample(*, survey: Survey, user: User, seed: str = "") -> int:
    """Draw every group's stratified random sample (strata: 片区) with a recorded seed; opens the survey."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if not conducts(user, survey):
        raise PermissionDenied("只有负责评估员能抽样。")
    if survey.status != Survey.Status.DRAFT:
        raise ValidationError("本调查已经抽过样。")
    seed = (seed or secrets.token_hex(8)).strip()[:64]
    groups = list(survey.groups.all())
    contacts: dict[int, dict[str, list[int]]] = {}
    area_of: dict[int, str] = {}
    for contact_id, group_id, area in Contact.objects.filter(group__survey=survey).values_list("id", "group_id", "area"):
        contacts.setdefault(group_id, {}).setdefault(area, []).append(contact_id)
        area_of[contact_id] = area
    if not contacts:
        raise ValidationError("还没有任何名单：请先由站点上传各群体的联系人名单。")
    respondents = []
    number = 0
    for group in groups:
        for contact_id in draw_sample(seed, group.name, contacts.get(group.pk, {}), group.sample_size):
            number += 1
            respondents.append(Respondent(survey=survey, group=group, contact_id=contact_id, number=number,
                                          area=area_of[contact_id]))
    if not respondents:
        raise ValidationError("样本量均为 0：请先设置各群体的样本量。")
    Respondent.objects.bulk_create(respondents)
    survey.status = Survey.Status.OPEN
    survey.seed = seed
    survey.sampled_at = timezone.now()
    survey.links_expire_at = survey.sampled_at + timedelta(days=settings.SURVEY_LINK_DAYS)
    survey.version += 1
    survey.save()
    _event(survey, user, "抽样", f"随机种子 {seed}，共抽取 {len(respondents)} 人")
    return len(respondents)


def _clean_answers(survey: Survey, answers: Mapping[int, object]) -> dict[int, int]:
    questions = {q.pk: q for q in survey.questions.all()}
    cleaned: dict[int, int] = {}
    errors = {}
    for qid, raw in answers.items():
        question = questions.get(int(qid))
        if question is None:
            continue
        if raw in (None, ""):
            continue
        try:
            value = int(str(raw))
        except ValueError:
            value = -1
        if not SCALES[question.scale].valid(value):
            errors[f"q{question.pk}"] = f"第{question.order}题“{question.text}”的回答无效。"
            continue
        cleaned[question.pk] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _save_answers(respondent: Respondent, survey: Survey, answers: dict[int, int], comment: str, channel: str) -> None:
    respondent.answers.all().delete()
    Answer.objects.bulk_create(Answer(respondent=respondent, question_id=q, value=v) for q, v in answers.items())
    complete = len(answers) == survey.questions.count()
    respondent.channel = channel
    respondent.comment = comment[:2000]
    respondent.completed_at = timezone.now() if complete else None


@transaction.atomic
def interview_record(
    *, respondent: Respondent, user: User, version: int, outcome: str, answers: Mapping[int, object], comment: str = ""
) -> Respondent:
    """A phone interview as the evaluator enters it (the whole record, saved as typed by the tablet page's autosave):
    reached with answers, refused or unreachable (no answers kept). `version` is the one the evaluator started from:
    a second writer (another device) is refused with SurveyStale and chooses."""
    respondent = Respondent.objects.select_for_update().select_related("survey").get(pk=respondent.pk)
    survey = respondent.survey
    if not conducts(user, survey):
        raise PermissionDenied("只有负责评估员能录入电话访问。")
    if survey.status != Survey.Status.OPEN:
        raise ValidationError("调查未在进行中，不能录入。")
    if respondent.channel == Respondent.Channel.LINK and respondent.completed_at:
        raise ValidationError("该受访者已通过问卷链接作答，不能再录入。")
    if respondent.version != version:
        raise SurveyStale(f"{respondent.number:03d} 号受访者已在别处保存（可能是另一台设备），请刷新后核对再保存。")
    if outcome not in Respondent.Outcome.values:
        raise ValidationError({"outcome": "请选择访问结果。"})
    answering = outcome in (Respondent.Outcome.REACHED, Respondent.Outcome.PENDING)
    cleaned = _clean_answers(survey, answers) if answering else {}
    if cleaned and outcome == Respondent.Outcome.PENDING:
        outcome = Respondent.Outcome.REACHED  # answers saved as they are entered mean the call got through
    respondent.outcome = outcome
    _save_answers(respondent, survey, cleaned, comment if outcome == Respondent.Outcome.REACHED else "",
                  Respondent.Channel.PHONE if cleaned else "")
    respondent.version += 1
    respondent.save()
    return respondent


@transaction.atomic
def phone_reveal(*, respondent: Respondent, user: User) -> str:
    """The full number for the call, to the survey's evaluator only, while the survey runs; recorded."""
    survey = respondent.survey
    if not conducts(user, survey) or survey.status != Survey.Status.OPEN or respondent.contact is None:
        raise PermissionDenied("无权查看完整电话号码。")
    _event(survey, user, "查看电话", f"{respondent.number:03d} 号受访者")
    return respondent.contact.phone


@transaction.atomic
def links_generate(*, survey: Survey, user: User) -> list[tuple[Respondent, str]]:
    """A one-time link for every drawn respondent not yet answered (an earlier link of theirs stops working).

    Only the SHA-256 of a token is stored: the tokens are shown once, on the printable slips."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if not conducts(user, survey):
        raise PermissionDenied("只有负责评估员能生成问卷链接。")
    if survey.status != Survey.Status.OPEN:
        raise ValidationError("调查未在进行中，不能生成问卷链接。")
    now = timezone.now()
    result = []
    pending = list(survey.respondents.filter(completed_at__isnull=True).select_related("group").order_by("number"))
    for respondent in pending:
        token = secrets.token_urlsafe(18)
        respondent.token_hash = token_digest(token)
        respondent.token_created_at = now
        result.append((respondent, token))
    Respondent.objects.bulk_update([r for r, _ in result], ["token_hash", "token_created_at"])
    _event(survey, user, "生成问卷链接", f"{len(result)} 份（此前生成的未用链接同时作废）")
    return result


def respondent_for_token(token: str) -> Respondent:
    """The respondent a link belongs to, or LinkRefused with the reason (nothing personal in any message)."""
    respondent = (
        Respondent.objects.select_related("survey", "group").filter(token_hash=token_digest(token)).first()
        if token
        else None
    )
    if respondent is None:
        raise LinkRefused("链接无效：请核对二维码或链接是否完整。")
    survey = respondent.survey
    if respondent.completed_at is not None:
        raise LinkRefused("该问卷已经提交过，感谢您的参与。每个链接只能使用一次。")
    if survey.status != Survey.Status.OPEN:
        raise LinkRefused("本次调查已经结束，感谢您的关注。")
    if survey.links_expire_at and timezone.now() > survey.links_expire_at:
        expired = timezone.localtime(survey.links_expire_at)
        raise LinkRefused(f"链接已于 {expired:%Y年%m月%d日 %H:%M} 过期，本次调查不再接受作答。")
    return respondent


@transaction.atomic
def link_answer(*, token: str, answers: Mapping[int, object], comment: str = "") -> Respondent:
    """Answers sent through a one-time link: all questions required; the link is used up."""
    respondent = respondent_for_token(token)
    respondent = Respondent.objects.select_for_update().select_related("survey").get(pk=respondent.pk)
    respondent_for_token(token)  # again under the row lock: a second tab's submit is refused
    survey = respondent.survey
    cleaned = _clean_answers(survey, answers)
    missing = [q for q in survey.questions.all() if q.pk not in cleaned]
    if missing:
        raise ValidationError({f"q{q.pk}": f"请回答第{q.order}题。" for q in missing})
    respondent.outcome = Respondent.Outcome.REACHED
    _save_answers(respondent, survey, cleaned, comment, Respondent.Channel.LINK)
    respondent.version += 1
    respondent.save()
    return respondent


@transaction.atomic
def survey_close(*, survey: Survey, user: User) -> Survey:
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if not conducts(user, survey):
        raise PermissionDenied("只有负责评估员能结束调查。")
    if survey.status != Survey.Status.OPEN:
        raise ValidationError("调查未在进行中。")
    survey.status = Survey.Status.CLOSED
    survey.closed_at = timezone.now()
    survey.version += 1
    survey.save()
    Respondent.objects.filter(survey=survey).exclude(token_hash="").update(token_hash="")
    results = survey_results(survey)
    _event(survey, user, "结束调查", f"完成 {results.completed} / {results.sampled} 人，总体满意度 {format_rate(results.overall)}")
    return survey


def points_sentence(survey: Survey) -> str:
    """Seed 002 四（二）②'s sentence, from the survey's data ("…满意度分别为 89.78%、100%和 90%。故得 8.98 分。")."""
    from .reporting import summary_of

    return summary_of(survey).points_sentence


@transaction.atomic
def survey_apply(*, survey: Survey, user: User) -> Decimal:
    """Write the 服务对象满意度 points into the linked 绩效评价 indicator and/or rubric item (closed surveys only)."""
    from reports import services as report_services

    survey = Survey.objects.select_for_update().select_related("contract__station").get(pk=survey.pk)
    if not conducts(user, survey):
        raise PermissionDenied("只有负责评估员能计入得分。")
    if survey.status != Survey.Status.CLOSED:
        raise ValidationError("请先结束调查，再把满意度得分计入评价。")
    results = survey_results(survey)
    points = satisfaction_points(results.points_rate, survey.points_max)
    if points is None:
        raise ValidationError("没有决定得分的群体的有效回答，或未设置分值，无法计算得分。")
    written = []
    if survey.performance_evaluation_id:
        indicator = (
            PerformanceIndicator.objects.select_for_update()
            .filter(evaluation_id=survey.performance_evaluation_id, name=SATISFACTION_INDICATOR)
            .first()
        )
        if indicator is None:
            raise ValidationError("该绩效评价没有“服务对象满意度”指标。")
        if indicator.max_points is not None and indicator.max_points != survey.points_max:
            raise ValidationError(f"指标分值为 {indicator.max_points} 分，与调查设置的分值不一致。")
        stored, before = audit.stored(indicator), audit.snapshot(indicator)
        indicator.score = points
        indicator.reason = points_sentence(survey)
        indicator.full_clean()
        # a published 绩效评价 stays as published (issue 9 §1); the points are written old → new (§3)
        locked = change_lock_reason(stored, indicator)
        if locked:
            raise DataLocked(locked)
        indicator.save(update_fields=["score", "reason"])
        audit.record(user=user, action="update", obj=indicator, before=before, after=audit.snapshot(indicator),
                     source="满意度调查")
        written.append(f"绩效评价“{survey.performance_evaluation.title}”")
    if survey.points_item_id:
        item = survey.points_item
        score = points.quantize(Decimal("0.1"))  # rubric items keep one decimal
        report_services.evaluation_item_update(
            evaluation=item.section.evaluation, item_id=item.pk, user=user, version=item.version,
            fields={"score": str(min(score, item.max_points))},
        )
        written.append(f"评估项“{item.text}”")
    _event(survey, user, "计入得分", f"{points} 分 → {'、'.join(written) or '（未关联评价）'}")
    return points


def rosters_purge(*, now: datetime | None = None) -> int:
    """Delete the names and phones of closed surveys once the retention period has passed after the evaluation was
    finalised (or, for a 绩效评价, after the survey closed). Returns how many surveys were purged."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.SURVEY_ROSTER_RETENTION_DAYS)
    purged = 0
    candidates = Survey.objects.filter(status=Survey.Status.CLOSED, roster_purged_at__isnull=True).select_related(
        "evaluation"
    )
    for survey in candidates.iterator():
        if survey.evaluation_id:
            done = survey.evaluation.finalised_at if survey.evaluation.status == Evaluation.Status.FINALISED else None
        else:
            done = survey.closed_at
        if done is None or done > cutoff:
            continue
        with transaction.atomic():
            count, _ = Contact.objects.filter(group__survey=survey).delete()
            survey.roster_purged_at = now
            survey.save(update_fields=["roster_purged_at"])
            _event(survey, None, "删除名单", f"保留期 {settings.SURVEY_ROSTER_RETENTION_DAYS} 天已满，删除 {count} 条姓名和电话")
        purged += 1
    return purged

"""Writes for the four-party evaluation (issue 4): creation, 回避, rubric scoring, findings, evidence, party scores,
submission, finalisation and reopening. Every change leaves an EvaluationEvent (who, when, what, old → new, reason).

Locks are always taken in the same order — Evaluation → PartyScore → item/finding — so concurrent saves serialise
without deadlocks; optimistic versions tell the second of two editors that someone changed the value first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from indicators.scoring import evaluation_grade, evaluation_total, points_from_rubric, points_from_score_100
from stations.models import contract_date_errors

from .archive.services import report_archive_create
from .models import (
    PARTY_WEIGHTS,
    Evaluation,
    EvaluationAssignment,
    EvaluationEvent,
    EvaluationItem,
    EvaluationSection,
    EvidenceAttachment,
    Finding,
    Party,
    PartyScore,
    RubricTemplate,
)
from .rendering import report_source
from .templatetags.evaluation_format import format_points

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from stations.models import Contract, Organisation, User

EVIDENCE_MAX_BYTES_DEFAULT = 10 * 1024 * 1024
KIND_CODE_SUFFIX = {Evaluation.Kind.MIDTERM: "mid", Evaluation.Kind.FINAL: "final"}


class EditConflict(Exception):
    """Someone saved the object after the version the editor started from; `current` is what is stored now."""

    def __init__(self, message: str, current: dict[str, Any]) -> None:
        super().__init__(message)
        self.message = message
        self.current = current


def _event(evaluation: Evaluation, actor: User | None, action: str, **fields: Any) -> EvaluationEvent:
    return EvaluationEvent.objects.create(evaluation=evaluation, actor=actor, at=timezone.now(), action=action, **fields)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


# --- creation ---------------------------------------------------------------------------------------------------


def rubric_freeze(*, evaluation: Evaluation, template: RubricTemplate) -> int:
    """Copy the template's sections and items into the evaluation; later template edits never reach it.

    Returns the number of items copied. Refuses to copy twice (a frozen rubric is never replaced)."""
    if evaluation.sections.exists():
        raise ValidationError("该评估的评估指标已固定，不能再次复制。")
    sections = list(template.sections.prefetch_related("items").order_by("order", "id"))
    if not sections or not any(s.items.all() for s in sections):
        raise ValidationError({"template": f"评估指标模板“{template.name}”没有任何评估项。"})
    copied = 0
    for section in sections:
        frozen = EvaluationSection.objects.create(evaluation=evaluation, name=section.name, order=section.order)
        EvaluationItem.objects.bulk_create(
            EvaluationItem(
                section=frozen, code=item.code, text=item.text, guidance=item.guidance,
                max_points=item.max_points, order=item.order,
            )
            for item in section.items.all()
        )
        copied += len(section.items.all())
    evaluation.rubric_source = template
    evaluation.save(update_fields=["rubric_source"])
    return copied


@transaction.atomic
def evaluation_create(
    *,
    actor: User,
    contract: Contract,
    kind: str,
    date: date,
    period_start: date,
    period_end: date,
    agency: Organisation,
    template: RubricTemplate,
    evaluators: Iterable[User],
    supervision_centre: Organisation | None = None,
    code: str = "",
) -> Evaluation:
    """Create a 中期/末期 evaluation with its four party scores, a frozen copy of the rubric and the assigned evaluators."""
    evaluators = list(evaluators)
    evaluation = Evaluation(
        code=code or f"{contract.code}-{KIND_CODE_SUFFIX.get(kind, kind)}",
        contract=contract, kind=kind, date=date, period_start=period_start, period_end=period_end,
        agency=agency, supervision_centre=supervision_centre,
    )
    errors: dict[str, list[str]] = {}
    if not evaluators:
        errors["evaluators"] = ["请至少分配一名评估员。"]
    outsiders = [u for u in evaluators if u.role != "evaluator" or u.organisation_id != agency.id]
    if outsiders:
        names = "、".join(str(u) for u in outsiders)
        errors["evaluators"] = [f"评估员必须是“{agency}”的第三方评估用户：{names} 不符合。"]
    if agency.kind != "evaluator":
        errors["agency"] = ["请选择第三方评估机构。"]
    if Evaluation.objects.filter(contract=contract, kind=kind).exists():
        errors["kind"] = [f"该服务协议已有{Evaluation.Kind(kind).label}。"]
    try:
        evaluation.full_clean(validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if evaluation.period_start and evaluation.period_end and evaluation.period_end < evaluation.period_start:
        errors.setdefault("period_end", []).append("考核期结束日期不能早于开始日期。")
    # the 考核期 lies inside the contract (issue 11 §6); the 评估日期 may follow its end (a final evaluation)
    for field, message in contract_date_errors(evaluation, contract, "period_start", "period_end").items():
        errors.setdefault(field, []).append(message)
    if errors:
        raise ValidationError(errors)
    evaluation.save()
    PartyScore.objects.bulk_create(
        PartyScore(evaluation=evaluation, party=party, weight=weight) for party, weight in PARTY_WEIGHTS.items()
    )
    rubric_freeze(evaluation=evaluation, template=template)
    _event(evaluation, actor, EvaluationEvent.Action.CREATED, new_value=evaluation.code)
    for user in evaluators:
        EvaluationAssignment.objects.create(evaluation=evaluation, user=user)
        _event(evaluation, actor, EvaluationEvent.Action.ASSIGNED, new_value=user.username)
    return evaluation


# --- 回避 ----------------------------------------------------------------------------------------------------------


@transaction.atomic
def evaluation_declare(*, evaluation: Evaluation, user: User, conflict: bool) -> EvaluationAssignment:
    """Record the evaluator's 回避 declaration. A conflict removes them from the evaluation (they lose access)."""
    assignment = EvaluationAssignment.objects.select_for_update().filter(evaluation=evaluation, user=user).first()
    if assignment is None:
        raise ValidationError("您未被分配到该评估。")
    if assignment.declaration != EvaluationAssignment.Declaration.PENDING:
        raise ValidationError("您已就该评估作出回避声明，不能更改。")
    assignment.declaration = (
        EvaluationAssignment.Declaration.CONFLICT if conflict else EvaluationAssignment.Declaration.NO_CONFLICT
    )
    assignment.declared_at = timezone.now()
    assignment.full_clean()
    assignment.save(update_fields=["declaration", "declared_at"])
    _event(
        evaluation, user,
        EvaluationEvent.Action.DECLARED_CONFLICT if conflict else EvaluationEvent.Action.DECLARED_NO_CONFLICT,
        party=Party.THIRD_PARTY, field="declaration", old_value="pending", new_value=assignment.declaration,
    )
    return assignment


# --- third-party rubric -----------------------------------------------------------------------------------------


def _locked_party_score(evaluation: Evaluation, party: str) -> PartyScore:
    score = PartyScore.objects.select_for_update().get(evaluation=evaluation, party=party)
    if score.status == PartyScore.Status.SUBMITTED:
        raise ValidationError(f"{score.get_party_display()}的得分已提交，如需修改请由区民政局重新开启。")
    return score


def parse_item_score(item: EvaluationItem, raw: Any) -> Decimal | None:
    """A rubric score from user input: empty → None; otherwise 0 … max with at most one decimal."""
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValidationError(f"“{item.text}”的得分必须是数字。") from None
    if not value.is_finite():
        raise ValidationError(f"“{item.text}”的得分必须是数字。")
    if value < 0:
        raise ValidationError(f"“{item.text}”的得分不能小于 0 分。")
    if value > item.max_points:
        raise ValidationError(f"“{item.text}”的得分不能超过 {format_points(item.max_points)} 分。")
    if value != value.quantize(Decimal("0.1")):
        raise ValidationError(f"“{item.text}”的得分最多保留一位小数。")
    return value.quantize(Decimal("0.1"))


def item_state(item: EvaluationItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "score": None if item.score is None else f"{item.score:.1f}",
        "note": item.note,
        "version": item.version,
        "updated_by": str(item.updated_by) if item.updated_by_id else "",
        "updated_at": timezone.localtime(item.updated_at).strftime("%H:%M:%S") if item.updated_at else "",
    }


@transaction.atomic
def evaluation_item_update(
    *, evaluation: Evaluation, item_id: int, user: User, version: int, fields: dict[str, Any]
) -> EvaluationItem:
    """Save a rubric item's score and/or note (only the keys present in `fields`).

    `version` is the item version the editor started from; if someone saved since, EditConflict carries the stored
    values and nothing is written (the editor's text stays in the browser until they choose)."""
    _locked_party_score(evaluation, Party.THIRD_PARTY)
    item = (
        EvaluationItem.objects.select_for_update(of=("self",))
        .select_related("updated_by")
        .filter(id=item_id, section__evaluation=evaluation)
        .first()
    )
    if item is None:
        raise ValidationError("评估项不存在。")
    if item.version != version:
        who = str(item.updated_by) if item.updated_by_id else "其他评估员"
        raise EditConflict(f"“{item.text}”已被{who}修改，请确认使用哪一个得分。", item_state(item))
    changes: list[tuple[str, str, str]] = []
    if "score" in fields:
        score = parse_item_score(item, fields["score"])
        if score != item.score:
            changes.append(("score", _text(item.score), _text(score)))
            item.score = score
    if "note" in fields:
        note = str(fields["note"] or "")
        if len(note) > 5000:
            raise ValidationError(f"“{item.text}”的评分说明不能超过 5000 字。")
        if note != item.note:
            changes.append(("note", item.note, note))
            item.note = note
    if changes:
        item.version += 1
        item.updated_by = user
        item.full_clean()
        item.save()
        for field, old, new in changes:
            _event(evaluation, user, EvaluationEvent.Action.ITEM_SCORED, party=Party.THIRD_PARTY, item=item,
                   field=field, old_value=old, new_value=new)
    return item


def evidence_max_bytes() -> int:
    return int(getattr(settings, "EVIDENCE_MAX_BYTES", EVIDENCE_MAX_BYTES_DEFAULT))


def sniff_evidence_type(head: bytes) -> str | None:
    """The content type from the file's first bytes (never from its name or the browser's claim)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def _verify_image(upload: UploadedFile) -> bool:
    from PIL import Image

    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.verify()
        return True
    except Exception:  # noqa: BLE001 - any decoder error means "not a valid image"
        return False
    finally:
        upload.seek(0)


@transaction.atomic
def evidence_attach(*, evaluation: Evaluation, item_id: int, user: User, upload: UploadedFile) -> EvidenceAttachment:
    """Store an image or PDF for a rubric item under MEDIA_ROOT (private name), after checking size and content."""
    _locked_party_score(evaluation, Party.THIRD_PARTY)
    item = EvaluationItem.objects.filter(id=item_id, section__evaluation=evaluation).first()
    if item is None:
        raise ValidationError("评估项不存在。")
    name = (upload.name or "附件")[-200:]
    limit = evidence_max_bytes()
    if upload.size > limit:
        raise ValidationError(f"“{name}”超过 {limit // (1024 * 1024)} MB 的大小限制。")
    if upload.size == 0:
        raise ValidationError(f"“{name}”是空文件。")
    upload.seek(0)
    content_type = sniff_evidence_type(upload.read(16))
    upload.seek(0)
    if content_type is None:
        raise ValidationError(f"“{name}”不是图片（JPEG、PNG、WebP）或 PDF 文件。")
    if content_type.startswith("image/") and not _verify_image(upload):
        raise ValidationError(f"“{name}”不是有效的图片文件。")
    attachment = EvidenceAttachment(
        item=item, original_name=name, content_type=content_type, size=upload.size, uploaded_by=user
    )
    attachment.file.save("upload", upload, save=False)
    attachment.full_clean()
    attachment.save()
    _event(evaluation, user, EvaluationEvent.Action.ATTACHMENT_ADDED, party=Party.THIRD_PARTY, item=item,
           field="attachment", new_value=name)
    return attachment


@transaction.atomic
def evidence_remove(*, evaluation: Evaluation, attachment_id: int, user: User) -> None:
    _locked_party_score(evaluation, Party.THIRD_PARTY)
    attachment = EvidenceAttachment.objects.select_related("item").filter(
        id=attachment_id, item__section__evaluation=evaluation
    ).first()
    if attachment is None:
        raise ValidationError("证据文件不存在。")
    _event(evaluation, user, EvaluationEvent.Action.ATTACHMENT_REMOVED, party=Party.THIRD_PARTY,
           item=attachment.item, field="attachment", old_value=attachment.original_name)
    storage, path = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(path))


# --- findings ---------------------------------------------------------------------------------------------------


def finding_state(finding: Finding | None) -> dict[str, Any]:
    if finding is None:
        return {"id": None, "text": "", "version": 0}
    return {"id": finding.id, "text": finding.text, "version": finding.version}


def _finding_for_slot(evaluation: Evaluation, party: str, section: str, kind: str, area_ids: list[int]) -> Finding | None:
    candidates = (
        Finding.objects.select_for_update()
        .filter(evaluation=evaluation, party=party, section=section, kind=kind)
        .prefetch_related("areas")
        .order_by("order", "id")
    )
    for finding in candidates:
        if sorted(a.id for a in finding.areas.all()) == sorted(area_ids):
            return finding
    return None


@transaction.atomic
def finding_save(
    *, evaluation: Evaluation, party: str, user: User, section: str, kind: str, area_ids: Iterable[int],
    text: str, version: int,
) -> Finding | None:
    """Save the party's 值得肯定 / 需要关注 text for one slot (section × 片区 set × kind).

    `version` 0 means "there was no text when I started". Returns None when the slot is (now) empty."""
    _locked_party_score(evaluation, party)
    area_ids = sorted(set(int(a) for a in area_ids))
    if section not in Finding.Section.values:
        raise ValidationError("评估意见的部分无效。")
    if kind not in Finding.Kind.values:
        raise ValidationError("评估意见的类型无效。")
    if area_ids:
        valid = set(evaluation.contract.service_areas.filter(id__in=area_ids).values_list("id", flat=True))
        if valid != set(area_ids):
            raise ValidationError("片区不属于该服务协议。")
    if len(text) > 20000:
        raise ValidationError("评估意见不能超过 20000 字。")
    finding = _finding_for_slot(evaluation, party, section, kind, area_ids)
    slot_field = f"finding:{section}:{kind}:{','.join(map(str, area_ids))}"
    current_version = finding.version if finding else 0
    if current_version != version:
        raise EditConflict("该评估意见已被他人修改，请确认使用哪一个版本。", finding_state(finding))
    old = finding.text if finding else ""
    if text == old:
        return finding
    if not text.strip():
        # An emptied slot is removed, so reports never print an empty paragraph.
        if finding is not None:
            finding.delete()
        finding = None
    elif finding is None:
        # A slot emptied and written again must not start at version 1 again: an editor still holding the old
        # finding's version would overwrite the new text unnoticed. Every change of the slot left one event, so
        # their count + 1 is a version the slot never had.
        previous = EvaluationEvent.objects.filter(
            evaluation=evaluation, party=party, action=EvaluationEvent.Action.FINDING_SAVED, field=slot_field
        ).count()
        finding = Finding(
            evaluation=evaluation, party=party, section=section, kind=kind, text=text, version=previous + 1
        )
        finding.full_clean()
        finding.save()
        finding.areas.set(area_ids)
    else:
        finding.text = text
        finding.version += 1
        finding.full_clean()
        finding.save()
    _event(evaluation, user, EvaluationEvent.Action.FINDING_SAVED, party=party,
           field=slot_field, old_value=old, new_value=text)
    return finding


# --- party scores, submission, finalisation ---------------------------------------------------------------------


def _parse_decimal(raw: Any, label: str) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValidationError(f"“{label}”必须是数字。") from None
    if not value.is_finite():
        raise ValidationError(f"“{label}”必须是数字。")
    return value


@transaction.atomic
def party_score_set(
    *, evaluation: Evaluation, party: str, user: User, version: int,
    points: Any = None, score_100: Any = None,
) -> PartyScore:
    """Save a party's score: points out of its weight (8.30 of 10), or a score out of 100 converted by the weight
    (83.0 × 10% = 8.30). The third party's points come from its rubric (see party_score_submit)."""
    if party == Party.THIRD_PARTY:
        raise ValidationError("第三方评估机构的得分由评估指标得分计算，不能直接录入。")
    score = _locked_party_score(evaluation, party)
    if score.version != version:
        raise EditConflict(
            f"{score.get_party_display()}的得分已被他人修改，请核对后再保存。",
            {"points": _text(score.points), "score_100": _text(score.score_100), "version": score.version},
        )
    label = score.get_party_display()
    points_value = _parse_decimal(points, f"{label}得分")
    score_100_value = _parse_decimal(score_100, f"{label}百分制得分")
    if points_value is not None and score_100_value is not None:
        raise ValidationError(f"{label}：请只填写“得分”或“百分制得分”其中一项。")
    if score_100_value is not None:
        if not 0 <= score_100_value <= 100:
            raise ValidationError(f"{label}的百分制得分必须在 0 到 100 分之间。")
        if score_100_value != score_100_value.quantize(Decimal("0.1")):
            raise ValidationError(f"{label}的百分制得分最多保留一位小数。")
        new_points = points_from_score_100(score_100_value, score.weight)
    else:
        new_points = points_value
        if new_points is not None:
            if new_points < 0:
                raise ValidationError(f"{label}的得分不能小于 0 分。")
            if new_points > score.weight:
                raise ValidationError(f"{label}的得分不能超过 {format_points(score.weight)} 分。")
            if new_points != new_points.quantize(Decimal("0.01")):
                raise ValidationError(f"{label}的得分最多保留两位小数。")
    old = (score.points, score.score_100)
    score.points = new_points
    score.score_100 = score_100_value
    if (score.points, score.score_100) != old:
        score.version += 1
        score.full_clean()
        score.save()
        _event(evaluation, user, EvaluationEvent.Action.PARTY_SCORE_SAVED, party=party, field="points",
               old_value=_text(old[0]), new_value=_text(score.points),
               reason=f"百分制 {score_100_value}" if score_100_value is not None else "")
    return score


def rubric_points(evaluation: Evaluation) -> tuple[Decimal, Decimal, list[EvaluationItem]]:
    """(Σ scores, Σ max points, unscored items) of the evaluation's frozen rubric."""
    items = list(EvaluationItem.objects.filter(section__evaluation=evaluation).select_related("section"))
    raw = sum((i.score for i in items if i.score is not None), Decimal(0))
    raw_max = sum((i.max_points for i in items), Decimal(0))
    return raw, raw_max, [i for i in items if i.score is None]


@transaction.atomic
def party_score_submit(*, evaluation: Evaluation, party: str, user: User) -> PartyScore:
    """Submit a party's score. The third party's points = points_from_rubric(Σ scores, Σ max, 55), all items scored.
    When all four parties are in, the evaluation is finalised."""
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if evaluation.status == Evaluation.Status.FINALISED:
        raise ValidationError("该评估已定稿。")
    score = _locked_party_score(evaluation, party)
    if party == Party.THIRD_PARTY:
        raw, raw_max, missing = rubric_points(evaluation)
        if missing:
            codes = "、".join(f"{i.code} {i.text}" for i in missing[:5])
            more = f"等 {len(missing)} 项" if len(missing) > 5 else ""
            raise ValidationError(f"以下评估项尚未评分：{codes}{more}。全部评分后才能提交。")
        old = score.points
        score.points = points_from_rubric(raw, raw_max, score.weight)
        if old != score.points:
            _event(evaluation, user, EvaluationEvent.Action.PARTY_SCORE_SAVED, party=party, field="points",
                   old_value=_text(old), new_value=_text(score.points), reason=f"评估指标得分 {raw} / {raw_max}")
    elif score.points is None:
        raise ValidationError(f"请先填写{score.get_party_display()}的得分。")
    score.status = PartyScore.Status.SUBMITTED
    score.submitted_at = timezone.now()
    score.submitted_by = user
    score.version += 1
    score.full_clean()
    score.save()
    _event(evaluation, user, EvaluationEvent.Action.PARTY_SUBMITTED, party=party, field="status",
           old_value=PartyScore.Status.DRAFT, new_value=PartyScore.Status.SUBMITTED)
    if not evaluation.party_scores.exclude(status=PartyScore.Status.SUBMITTED).exists():
        evaluation_finalise(evaluation=evaluation, user=user)
    return score


@dataclass(frozen=True)
class FinalResult:
    total: Decimal
    grade: str
    grade_label: str


@transaction.atomic
def evaluation_finalise(*, evaluation: Evaluation, user: User | None) -> FinalResult:
    """Compute and freeze the total (Σ party points) and grade (seed 001 §二(五) bands): 89.08 → 良好."""
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if evaluation.status == Evaluation.Status.FINALISED:
        # Frozen exactly once: a second call (two last submissions racing, a retried request) never recomputes.
        raise ValidationError("该评估已定稿，总分和等级不能重新计算；如需修改请由区民政局重新开启。")
    scores = sorted(
        PartyScore.objects.select_for_update().filter(evaluation=evaluation), key=lambda s: Party.values.index(s.party)
    )
    missing = [s.get_party_display() for s in scores if s.status != PartyScore.Status.SUBMITTED]
    if missing or len(scores) != len(PARTY_WEIGHTS):
        raise ValidationError(f"以下评估方尚未提交：{'、'.join(missing) or '缺少评估方'}。")
    total = evaluation_total(s.points for s in scores)
    code, label = evaluation_grade(total)
    evaluation.total_score = total
    evaluation.grade = code
    evaluation.status = Evaluation.Status.FINALISED
    evaluation.finalised_at = timezone.now()
    evaluation.full_clean()
    evaluation.save(update_fields=["total_score", "grade", "status", "finalised_at"])
    _event(evaluation, user, EvaluationEvent.Action.FINALISED, field="total_score",
           new_value=f"{total:.2f} {label}")
    # The signed report (issue 9 §2): frozen now as the next archived version, rendered as PDF/A after the commit.
    archive = report_archive_create(source=report_source(evaluation), user=user)
    _event(evaluation, user, EvaluationEvent.Action.ARCHIVED,
           new_value=f"第{archive.version}版（验证码 {archive.verification_code}）")
    return FinalResult(total=total, grade=code, grade_label=label)


@transaction.atomic
def evaluation_reopen(
    *, evaluation: Evaluation, user: User, reason: str, parties: Iterable[str] | None = None
) -> Evaluation:
    """Reopen submitted party scores (all by default) and, if finalised, the evaluation; needs a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["请填写重新开启的原因。"]})
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    wanted = set(parties) if parties else set(PARTY_WEIGHTS)
    if wanted - set(Party.values):
        raise ValidationError({"parties": ["评估方无效。"]})
    scores = list(
        PartyScore.objects.select_for_update().filter(
            evaluation=evaluation, party__in=wanted, status=PartyScore.Status.SUBMITTED
        )
    )
    if not scores:
        raise ValidationError({"parties": ["所选评估方均未提交，无需重新开启。"]})
    if evaluation.status == Evaluation.Status.FINALISED:
        old = f"{evaluation.total_score:.2f} {evaluation.get_grade_display()}"
        evaluation.status = Evaluation.Status.DRAFT
        evaluation.total_score = None
        evaluation.grade = ""
        evaluation.finalised_at = None
        evaluation.save(update_fields=["status", "total_score", "grade", "finalised_at"])
        _event(evaluation, user, EvaluationEvent.Action.REOPENED, field="status", old_value=old,
               new_value=Evaluation.Status.DRAFT, reason=reason)
    for score in scores:
        score.status = PartyScore.Status.DRAFT
        score.version += 1
        score.save(update_fields=["status", "version"])
        _event(evaluation, user, EvaluationEvent.Action.REOPENED, party=score.party, field="status",
               old_value=PartyScore.Status.SUBMITTED, new_value=PartyScore.Status.DRAFT, reason=reason)
    return evaluation


def rubric_totals(evaluation: Evaluation) -> tuple[Decimal, Decimal]:
    agg = EvaluationItem.objects.filter(section__evaluation=evaluation).aggregate(raw=Sum("score"), mx=Sum("max_points"))
    return agg["raw"] or Decimal(0), agg["mx"] or Decimal(0)


@dataclass(frozen=True)
class FindingInput:
    section: str
    kind: str
    area_ids: tuple[int, ...]
    text: str
    version: int


@transaction.atomic
def party_entry_save(
    *, evaluation: Evaluation, party: str, user: User, version: int, points: Any = None, score_100: Any = None,
    findings: Iterable[FindingInput] = (), submit: bool = False,
) -> PartyScore:
    """The 购买方/监督方/督导中心 entry screen in one step: score, findings and (optionally) submission; all or nothing."""
    score = party_score_set(
        evaluation=evaluation, party=party, user=user, version=version, points=points, score_100=score_100
    )
    for f in findings:
        finding_save(
            evaluation=evaluation, party=party, user=user, section=f.section, kind=f.kind, area_ids=f.area_ids,
            text=f.text, version=f.version,
        )
    if submit:
        score = party_score_submit(evaluation=evaluation, party=party, user=user)
    return score

"""Every correction audited (issue 9 §3): one way to turn a change of any row into old → new records.

The portal's services already write their own records (stations.AuditEntry for station data, reports'
EvaluationEvent for an evaluation's history) as they change data. Everything else that writes rows directly — the
admin's forms, inlines and delete actions, management commands — goes through `record`, which compares the row
as stored with the row as saved, field by field, and writes one record per changed field in the history the
row's pages show: an evaluation's rows (the evaluation, its party scores, rubric items, findings, …) in its
EvaluationEvent history, every other model in AuditEntry. Fields are named by their verbose_name and values shown
as the user reads them (choice labels, 是/否, related objects by name), never as raw keys.

The models are looked up through the app registry: this bottom layer imports no app.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.apps import apps
from django.db import models
from django.utils import timezone

from .locks import BOOKKEEPING_FIELDS

# The rows whose history is their evaluation's (reports.EvaluationEvent); the path from the row to the evaluation.
EVALUATION_ROWS = {
    "reports.evaluation": "pk",
    "reports.partyscore": "evaluation_id",
    "reports.finding": "evaluation_id",
    "reports.evaluationassignment": "evaluation_id",
    "reports.evaluationsection": "evaluation_id",
    "reports.evaluationitem": "section__evaluation_id",
    "reports.evidenceattachment": "item__section__evaluation_id",
}
# AuditEntry.subject of the station-data models; everything else is "other", with the model recorded
SUBJECTS = {
    "indicators.monthlyactual": "actual",
    "indicators.target": "target",
    "stations.quartersubmission": "submission",
    "stations.staffmember": "staff",
    "stations.staffmonth": "staff_month",
    "stations.activityentry": "activity",
    "stations.stafftransfer": "staff_transfer",
}
SECRET_FIELDS = frozenset({"password"})
ACTIONS = {"create": "新增", "update": "修改", "delete": "删除"}


def display(obj, field: models.Field) -> str:
    """A field's value as a person reads it: choice label, 是/否, the related object's name, dates as YYYY-MM-DD."""
    if field.name in SECRET_FIELDS:
        return "（已设置）" if getattr(obj, field.attname) else ""
    own = getattr(obj, "audit_value", None)  # a model that formats a value its own way (完成量 by its indicator)
    if own is not None:
        text = own(field.name)
        if text is not None:
            return text
    value = getattr(obj, field.attname)
    if value is None or value == "":
        return ""
    if field.choices:
        label = dict(field.flatchoices).get(value)
        if label is None and isinstance(value, Decimal):  # Decimal("1.0") is the choice Decimal("1")
            label = next((lbl for key, lbl in field.flatchoices if key == value), None)
        return str(label if label is not None else value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if field.is_relation:
        related = getattr(obj, field.name, None)
        return str(related) if related is not None else str(value)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def audited_fields(model) -> list[models.Field]:
    return [
        f for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in BOOKKEEPING_FIELDS and f.editable
    ]


def snapshot(obj) -> dict[str, str]:
    """{field name: displayed value} of a row (an unsaved or missing row: {})."""
    if obj is None:
        return {}
    return {f.name: display(obj, f) for f in audited_fields(type(obj))}


def stored(obj):
    """The row as the database holds it now (None for a new row)."""
    if obj is None or obj.pk is None:
        return None
    return type(obj)._default_manager.filter(pk=obj.pk).first()


def changes(model, before: dict[str, str], after: dict[str, str]) -> list[tuple[str, str, str]]:
    """[(verbose name, old, new)] of the fields whose displayed value differs."""
    result = []
    for field in audited_fields(model):
        old, new = before.get(field.name, ""), after.get(field.name, "")
        if old != new:
            result.append((str(field.verbose_name), old, new))
    return result


def record(*, user, action: str, obj, before: dict[str, str], after: dict[str, str], source: str,
           reason: str = "") -> int:
    """Write the old → new records of one row's create / update / delete; returns how many were written.

    A deletion is one record holding what the row was ("字段：值；…"), so the history keeps what was removed.
    """
    model = type(obj)
    label_lower = model._meta.label_lower
    if action == "delete":
        summary = "；".join(f"{name}：{old}" for name, old, _ in changes(model, before, {}) if old)
        diffs = [("整条记录", summary, "")]
    else:
        diffs = changes(model, before, after)
    if not diffs:
        return 0
    if label_lower in EVALUATION_ROWS:
        return _evaluation_events(user=user, action=action, obj=obj, diffs=diffs, reason=reason, source=source)
    return _audit_entries(user=user, action=action, obj=obj, diffs=diffs, reason=reason, source=source)


def _evaluation_events(*, user, action, obj, diffs, reason, source) -> int:
    model = type(obj)
    path = EVALUATION_ROWS[model._meta.label_lower]
    if path == "pk":
        evaluation_id = obj.pk
    elif "__" not in path:
        evaluation_id = getattr(obj, path)
    else:
        evaluation_id = _follow(obj, path)
    evaluation = apps.get_model("reports", "Evaluation").objects.filter(pk=evaluation_id).first()
    if evaluation is None:  # the evaluation itself was deleted: its history goes with it; keep a station record
        return _audit_entries(user=user, action=action, obj=obj, diffs=diffs, reason=reason, source=source)
    event = apps.get_model("reports", "EvaluationEvent")
    item = obj if model._meta.label_lower == "reports.evaluationitem" and action != "delete" else None
    party = getattr(obj, "party", "") or ""
    # the row's kind (and a finding's slot); the party and the item have their own columns
    what = [] if model._meta.label_lower == "reports.evaluation" else [str(model._meta.verbose_name)]
    if model._meta.label_lower == "reports.finding":
        what += [obj.get_section_display(), obj.get_kind_display()]
    now = timezone.now()
    event.objects.bulk_create([
        event(
            evaluation=evaluation, at=now, actor=user, action=f"admin_{action}", party=party, item=item,
            field=" · ".join([*what, name])[:40], old_value=old, new_value=new, reason=reason or source,
        )
        for name, old, new in diffs
    ])
    return len(diffs)


def _follow(obj, path: str):
    parts = path.split("__")
    current = obj
    for part in parts[:-1]:
        current = getattr(current, part, None)
        if current is None:
            return None
    return getattr(current, parts[-1], None)


def _contract_id(obj):
    if hasattr(obj, "contract_id"):
        return obj.contract_id
    staff = getattr(obj, "staff", None) if hasattr(obj, "staff_id") else None
    if staff is not None:
        return staff.contract_id
    if obj._meta.label_lower == "stations.contract":
        return obj.pk
    return None


def _audit_entries(*, user, action, obj, diffs, reason, source) -> int:
    entry = apps.get_model("stations", "AuditEntry")
    model = type(obj)
    label_lower = model._meta.label_lower
    subject = SUBJECTS.get(label_lower, "other")
    month = getattr(obj, "month", None) if isinstance(getattr(obj, "month", None), datetime.date) else None
    quarter = f"{month.year}-Q{(month.month - 1) // 3 + 1}" if month else ""
    parent_id = getattr(obj, "staff_id", None)
    label = _label(obj, subject, month)
    contract_id = _contract_id(obj)
    if contract_id is not None and not apps.get_model("stations", "Contract").objects.filter(pk=contract_id).exists():
        contract_id = None  # the contract itself was deleted
    entry.objects.bulk_create([
        entry(
            user=user, action=action, subject=subject, model=label_lower, object_id=obj.pk, parent_id=parent_id,
            contract_id=contract_id, quarter=quarter, month=month,
            service_area_id=getattr(obj, "service_area_id", None) if subject in ("actual", "target") else None,
            indicator_id=getattr(obj, "indicator_id", None) if subject in ("actual", "target") else None,
            label=label[:200], field=name[:40], old_value=old[:200], new_value=new[:200], reason=reason,
            source=source,
        )
        for name, old, new in diffs
    ])
    return len(diffs)


def _label(obj, subject: str, month) -> str:
    if subject == "staff":
        return f"社工 {obj.name}"
    if subject == "staff_month":
        return f"社工 {obj.staff.name} · {month.year}年{month.month}月"
    if subject == "activity":
        return f"活动 {obj.name}"
    if subject in ("actual", "target"):
        area = obj.service_area.name if obj.service_area_id else "全站"
        return f"{area} · {obj.indicator.name}" + (f" · {month.year}年{month.month}月" if month else " · 协议量")
    return f"{obj._meta.verbose_name} {obj}"

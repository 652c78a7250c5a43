"""Writes to the staff register and the activity ledger (issue 3 §4, §5, §7, §8).

Same rules as indicators.services: atomic, permission-checked (the buying street office, or an admin),
optimistic versions on StaffMonth, and every change recorded in indicators.AuditEntry.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from evalportal.edits import AlreadyApplied, ConcurrentEdit, Conflict, EntryError, user_label
from evalportal.periods import Quarter, month_in_period, month_start
from evalportal.roles import contracts_editable_by

from .changes import ON_POST_VALUES, StaffMonthChange, staff_changes_by_quarter
from .models import (
    ActivityEntry,
    AuditEntry,
    Contract,
    ImportBatch,
    ServiceArea,
    StaffMember,
    StaffMonth,
    StaffTransfer,
)

STAFF_MONTH_AUDITED_FIELDS = ["on_post", "social_insurance", "salary_paid", "service_area"]
STAFF_AUDITED_FIELDS = [
    "order", "name", "position", "position_title", "certificate", "service_area", "employment_start",
    "contract_term", "two_years_practice", "joined_on", "left_on", "note",
]
ACTIVITY_AUDITED_FIELDS = [
    "date", "end_date", "name", "nature", "participants", "partners", "service_project", "service_area",
]


def _require_editor(user, contract: Contract) -> None:
    if not contracts_editable_by(user).filter(pk=contract.pk).exists():
        raise PermissionDenied("无权限修改本协议的数据。")


def audit_display(obj, field: str) -> str:
    value = getattr(obj, field)
    if value is None:
        return ""
    choices_display = getattr(obj, f"get_{field}_display", None)
    if choices_display is not None:
        return str(choices_display())
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def diff_audit(*, before: dict[str, str], obj, fields: list[str], user, subject: str, label: str, reason: str,
                action: str, contract: Contract, source: str, month=None) -> list[AuditEntry]:
    """One AuditEntry per field whose displayed value changed (old → new), for the portal and the admin alike."""
    entries = []
    for field in fields:
        new = audit_display(obj, field)
        old = before.get(field, "")
        if old != new:
            entries.append(
                AuditEntry(
                    user=user, action=action, subject=subject, object_id=obj.pk, contract=contract, label=label,
                    field=obj._meta.get_field(field).verbose_name, old_value=old[:200], new_value=new[:200],
                    reason=reason, source=source, month=month,
                    quarter=Quarter.of(month).slug if month else "",
                )
            )
    return entries


# --- staff ------------------------------------------------------------------------------------------------------


@transaction.atomic
def staff_save(
    *, contract: Contract, user, data: dict, staff: StaffMember | None = None, reason: str = "", source: str = "网页"
) -> StaffMember:
    """Create (staff None) or update a staff member from cleaned form data; each changed field is audited.

    The current 片区 is changed through `staff_transfer`, which keeps the history, not here.
    """
    _require_editor(user, contract)
    creating = staff is None
    if creating:
        staff = StaffMember(contract=contract)
        before: dict[str, str] = {}
    else:
        if staff.contract_id != contract.pk:
            raise PermissionDenied("该社工不属于此服务协议。")
        staff = StaffMember.objects.select_for_update().get(pk=staff.pk)
        before = {f: audit_display(staff, f) for f in STAFF_AUDITED_FIELDS}
    for field, value in data.items():
        if field not in STAFF_AUDITED_FIELDS:
            continue
        if field == "service_area" and not creating:
            continue
        setattr(staff, field, value)
    if staff.service_area_id and staff.service_area.contract_id != contract.pk:
        raise ValidationError({"service_area": "该片区不属于此服务协议。"})
    staff.full_clean()
    staff.save()
    AuditEntry.objects.bulk_create(
        diff_audit(
            before=before, obj=staff, fields=STAFF_AUDITED_FIELDS, user=user, subject=AuditEntry.Subject.STAFF,
            label=f"社工 {staff.name}", reason=reason, contract=contract, source=source,
            action=AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE,
        )
    )
    return staff


@transaction.atomic
def staff_transfer(
    *, staff: StaffMember, to_area: ServiceArea | None, on: date, user, reason: str = ""
) -> StaffTransfer:
    """Move a staff member to another 片区 from `on`: records the transfer, updates the current 片区 and the 片区
    of the recorded months from that month on."""
    contract = staff.contract
    _require_editor(user, contract)
    staff = StaffMember.objects.select_for_update(of=("self",)).select_related("service_area").get(pk=staff.pk)
    if to_area is not None and to_area.contract_id != contract.pk:
        raise ValidationError({"to_area": "该片区不属于此服务协议。"})
    if to_area == staff.service_area:
        raise ValidationError({"to_area": "调入片区与当前片区相同。"})
    if not (contract.start_date <= on <= contract.end_date):
        raise ValidationError({"date": "调动日期应在协议期内。"})
    if staff.joined_on and on < staff.joined_on:
        raise ValidationError({"date": "调动日期不能早于到岗日期。"})
    transfer = StaffTransfer(staff=staff, date=on, from_area=staff.service_area, to_area=to_area, reason=reason,
                             created_by=user)
    transfer.full_clean()
    transfer.save()
    staff.service_area = to_area
    staff.save(update_fields=["service_area"])
    StaffMonth.objects.filter(staff=staff, month__gte=month_start(on)).update(service_area=to_area)
    AuditEntry.objects.create(
        user=user, action=AuditEntry.Action.TRANSFER, subject=AuditEntry.Subject.STAFF, object_id=staff.pk,
        contract=contract, label=f"社工 {staff.name}", field="片区",
        old_value=transfer.from_area.name if transfer.from_area else "", new_value=to_area.name if to_area else "",
        reason=f"{on:%Y-%m-%d} 起调动" + (f"：{reason}" if reason else ""),
    )
    return transfer


def area_for_month(staff: StaffMember, transfers: list[StaffTransfer], month: date) -> ServiceArea | None:
    """The 片区 a staff member worked in during `month`, from the transfer history (transfers sorted by date)."""
    area = staff.service_area
    earlier = [t for t in transfers if month_start(t.date) <= month]
    if earlier:
        return earlier[-1].to_area
    if transfers:
        return transfers[0].from_area
    return area


@transaction.atomic
def staff_months_save(
    *, contract: Contract, quarter: Quarter, changes: Iterable[StaffMonthChange], user, source: str = "网页"
) -> int:
    """Save the monthly on-post grid (人员到位 1/0.5/0, 社保, 工资) of a quarter. All or nothing; stale → conflict."""
    _require_editor(user, contract)
    # one writer of a contract's staff months at a time: a second save waits here, then sees the first one's versions
    list(Contract.objects.select_for_update().filter(pk=contract.pk).values_list("pk", flat=True))
    changes = list(changes)
    staff_by_id = {
        s.pk: s for s in StaffMember.objects.filter(contract=contract).select_related("service_area")
    }
    transfers: dict[int, list[StaffTransfer]] = {}
    for t in StaffTransfer.objects.filter(staff__contract=contract).select_related("from_area", "to_area").order_by(
        "date", "id"
    ):
        transfers.setdefault(t.staff_id, []).append(t)
    for change in changes:
        if change.staff_id not in staff_by_id:
            raise EntryError("社工不属于此服务协议。")
        if change.month not in quarter.months or not month_in_period(change.month, contract.start_date,
                                                                       contract.end_date):
            raise EntryError(f"{change.month:%Y年%m月}不在协议期内。")
        if change.on_post is not None and change.on_post not in ON_POST_VALUES:
            raise EntryError("人员到位只能为 1、0.5 或 0。")
    existing = {
        (m.staff_id, m.month): m
        for m in StaffMonth.objects.select_for_update(of=("self",))
        .filter(staff__contract=contract, month__in=quarter.months)
        .select_related("updated_by")
    }
    now = timezone.now()
    conflicts = []
    audit = []
    applied = 0
    for change in changes:
        staff = staff_by_id[change.staff_id]
        current = existing.get((change.staff_id, change.month))
        wanted = None if change.on_post is None else (change.on_post, change.social_insurance, change.salary_paid)
        stored = None if current is None else (current.on_post, current.social_insurance, current.salary_paid)
        if wanted == stored:
            continue
        if (current.version if current else 0) != change.expected_version:
            conflicts.append(
                Conflict(
                    key=(change.staff_id, change.month), label=f"{staff.name} · {change.month:%Y年%m月}",
                    current_value=_month_text(stored), current_version=current.version if current else 0,
                    changed_by=user_label(current.updated_by) if current else _month_deleter(contract, staff, change),
                    changed_at=current.updated_at if current else None, your_value=_month_text(wanted),
                )
            )
            continue
        label = _month_label(staff, change.month)
        if wanted is None:
            current.delete()
            action = AuditEntry.Action.DELETE
            object_id = current.pk
        elif current is None:
            current = StaffMonth(
                staff=staff, month=change.month, on_post=change.on_post, social_insurance=change.social_insurance,
                salary_paid=change.salary_paid,
                service_area=area_for_month(staff, transfers.get(staff.pk, []), change.month),
                updated_by=user, updated_at=now,
            )
            current.full_clean(validate_unique=False)
            current.save()
            action, object_id = AuditEntry.Action.CREATE, current.pk
        else:
            current.on_post, current.social_insurance, current.salary_paid = wanted
            current.version += 1
            current.updated_by, current.updated_at = user, now
            current.full_clean(validate_unique=False)
            current.save()
            action, object_id = AuditEntry.Action.UPDATE, current.pk
        applied += 1
        audit.append(
            AuditEntry(
                user=user, action=action, subject=AuditEntry.Subject.STAFF_MONTH, object_id=object_id,
                contract=contract, quarter=quarter.slug, month=change.month, label=label, field="到位/社保/工资",
                old_value=_month_text(stored), new_value=_month_text(wanted), source=source,
            )
        )
    if conflicts:
        raise ConcurrentEdit(conflicts)
    AuditEntry.objects.bulk_create(audit)
    return applied


def _month_label(staff: StaffMember, month: date) -> str:
    return f"社工 {staff.name} · {month.year}年{month.month}月"


def _month_deleter(contract: Contract, staff: StaffMember, change: StaffMonthChange) -> str:
    """Who removed a month record the user still had on screen (the record is gone: ask the audit trail)."""
    entry = (
        AuditEntry.objects.filter(
            contract=contract, subject=AuditEntry.Subject.STAFF_MONTH, month=change.month,
            label=_month_label(staff, change.month), action=AuditEntry.Action.DELETE,
        )
        .select_related("user")
        .order_by("-at", "-pk")
        .first()
    )
    return user_label(entry.user) if entry else "（未知用户）"


def _month_text(values) -> str:
    if values is None:
        return ""
    on_post, insurance, salary = values
    return f"到位{on_post.normalize():f} 社保{'√' if insurance else '×'} 工资{'√' if salary else '×'}"


# --- activity ledger ------------------------------------------------------------------------------------------


@transaction.atomic
def activity_save(
    *, contract: Contract, user, data: dict, activity: ActivityEntry | None = None, source: str = "网页"
) -> ActivityEntry:
    _require_editor(user, contract)
    creating = activity is None
    if creating:
        activity = ActivityEntry(contract=contract, created_by=user)
        before: dict[str, str] = {}
    else:
        if activity.contract_id != contract.pk:
            raise PermissionDenied("该活动不属于此服务协议。")
        activity = ActivityEntry.objects.select_for_update().get(pk=activity.pk)
        before = {f: audit_display(activity, f) for f in ACTIVITY_AUDITED_FIELDS}
    for field, value in data.items():
        if field in ACTIVITY_AUDITED_FIELDS:
            setattr(activity, field, value)
    for field in ("service_project", "service_area"):
        related = getattr(activity, field)
        if related is not None and related.contract_id != contract.pk:
            raise ValidationError({field: "不属于此服务协议。"})
    activity.full_clean()
    activity.save()
    AuditEntry.objects.bulk_create(
        diff_audit(
            before=before, obj=activity, fields=ACTIVITY_AUDITED_FIELDS, user=user,
            subject=AuditEntry.Subject.ACTIVITY, label=f"活动 {activity.name}", reason="", contract=contract,
            source=source, action=AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE,
        )
    )
    return activity


@transaction.atomic
def activity_delete(*, activity: ActivityEntry, user, reason: str = "") -> None:
    _require_editor(user, activity.contract)
    AuditEntry.objects.create(
        user=user, action=AuditEntry.Action.DELETE, subject=AuditEntry.Subject.ACTIVITY, object_id=activity.pk,
        contract=activity.contract, label=f"活动 {activity.name}", field="活动",
        old_value=f"{activity.date:%Y-%m-%d} {activity.name} {activity.participants}人次"[:200], reason=reason,
    )
    activity.delete()


@transaction.atomic
def staff_import_apply(*, batch: ImportBatch, user) -> int:
    """Apply a previewed 附件2 upload quarter by quarter through staff_months_save and mark it applied, all in one
    transaction (a conflict in any quarter saves nothing). The batch row is locked so that it is applied once."""

    batch = ImportBatch.objects.select_for_update().select_related("contract").get(pk=batch.pk)
    if batch.user_id != user.pk or batch.kind != ImportBatch.Kind.STAFF:
        raise PermissionDenied("无权限导入该批次。")
    if batch.applied_at is not None:
        raise AlreadyApplied("该文件已导入，无需重复导入。")
    saved = 0
    for quarter, changes in sorted(staff_changes_by_quarter(batch.payload).items()):
        saved += staff_months_save(contract=batch.contract, quarter=quarter, changes=changes, user=user,
                                   source="Excel 导入")
    batch.applied_at = timezone.now()
    batch.save(update_fields=["applied_at"])
    return saved

"""Writes to indicator data (issue 3 §3, §7, §8): the browser, the Excel import, the admin and commands all call these.

Every write is atomic, checks who may write, refuses edits of a submitted quarter, uses optimistic versions
(MonthlyActual.version / Target.version) so that a stale form never overwrites someone else's change, and
records each change in AuditEntry (who, when, old → new, reason).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from evalportal.edits import AlreadyApplied, ConcurrentEdit, Conflict, EntryError, user_label
from evalportal.locks import DataLocked, Span, lock_reason, quarter_is_locked, quarter_lock_message
from evalportal.periods import Quarter, contract_quarters, month_in_period
from evalportal.roles import contracts_editable_by, contracts_returnable_by
from stations.models import AuditEntry, Contract, ImportBatch, QuarterSubmission, ServiceArea

from .changes import CellChange, CellKey, changes_from_payload
from .models import IndicatorDefinition, MonthlyActual, Target
from .validation import InvalidValue, check_value, format_value

_FK_FIELDS = ["contract", "service_area", "indicator", "updated_by"]


class QuarterLocked(DataLocked):
    """The data lies behind a submitted quarter or a finalised evaluation (evalportal.locks)."""


class CellErrors(EntryError):
    def __init__(self, errors: dict[CellKey, str]):
        self.errors = errors
        super().__init__(f"有 {len(errors)} 个单元格填写有误，未保存任何数据。")


@dataclass
class SaveResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    changed_keys: list[CellKey] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


def _quarter_of_contract(contract: Contract, quarter: Quarter) -> None:
    if quarter not in contract_quarters(contract.start_date, contract.end_date):
        raise EntryError(f"{quarter.label}不在本协议期内。")


def _lock_submission(contract: Contract, quarter: Quarter) -> QuarterSubmission:
    QuarterSubmission.objects.get_or_create(contract=contract, year=quarter.year, quarter=quarter.quarter)
    return QuarterSubmission.objects.select_for_update().get(
        contract=contract, year=quarter.year, quarter=quarter.quarter
    )


def _cell_label(area: ServiceArea | None, indicator: IndicatorDefinition, month: date) -> str:
    return f"{area.name if area else '全站'} · {indicator.name} · {month.year}年{month.month}月"


def require_editor(user, contract: Contract) -> None:
    if not contracts_editable_by(user).filter(pk=contract.pk).exists():
        raise PermissionDenied("无权限修改本协议的数据。")


@transaction.atomic
def actuals_save(
    *,
    contract: Contract,
    quarter: Quarter,
    changes: Iterable[CellChange],
    user,
    reason: str = "",
    source: str = "网页",
) -> SaveResult:
    """Save a quarter's monthly actuals. All or nothing: any invalid cell or any conflicting cell refuses the lot.

    A change whose value equals what is stored is ignored (uploading the same file twice changes nothing);
    a change to a cell whose version moved since the user loaded it is a conflict.
    """
    require_editor(user, contract)
    _quarter_of_contract(contract, quarter)
    submission = _lock_submission(contract, quarter)
    if quarter_is_locked(submission.status):
        raise QuarterLocked(
            quarter_lock_message(quarter.year, quarter.quarter, submission.status, submission.get_status_display())
        )

    changes = list(changes)
    areas = {a.pk: a for a in contract.service_areas.all()}
    indicator_ids = {c.indicator_id for c in changes}
    indicators = IndicatorDefinition.objects.in_bulk(indicator_ids)
    errors: dict[CellKey, str] = {}
    for change in changes:
        indicator = indicators.get(change.indicator_id)
        if indicator is None:
            errors[change.key] = "未知指标。"
            continue
        if change.area_id is not None and change.area_id not in areas:
            errors[change.key] = "该片区不属于此服务协议。"
        elif indicator.scope == IndicatorDefinition.Scope.STATION and change.area_id is not None:
            errors[change.key] = f"“{indicator.name}”是全站指标，不能按片区填写。"
        elif indicator.scope == IndicatorDefinition.Scope.AREA and change.area_id is None and areas:
            errors[change.key] = f"“{indicator.name}”须按片区填写。"
        elif change.month not in quarter.months:
            errors[change.key] = f"月份不属于{quarter.label}。"
        elif not month_in_period(change.month, contract.start_date, contract.end_date):
            errors[change.key] = "不在协议期内。"
        elif change.value is not None:
            try:
                change.value = check_value(change.value, indicator.value_type)
            except InvalidValue as exc:
                errors[change.key] = str(exc)
    if errors:
        raise CellErrors(errors)

    existing = {
        (a.service_area_id, a.indicator_id, a.month): a
        for a in MonthlyActual.objects.select_for_update(of=("self",))
        .filter(contract=contract, month__in=quarter.months)
        .select_related("updated_by")
    }
    result = SaveResult()
    conflicts: list[Conflict] = []
    to_apply: list[tuple[CellChange, MonthlyActual | None]] = []
    for change in changes:
        current = existing.get(change.key)
        current_value = current.value if current else None
        if current_value == change.value:
            result.unchanged += 1
            continue
        current_version = current.version if current else 0
        if current_version != change.expected_version:
            indicator = indicators[change.indicator_id]
            conflicts.append(
                Conflict(
                    key=change.key,
                    label=_cell_label(areas.get(change.area_id), indicator, change.month),
                    current_value=format_value(current_value, indicator.value_type),
                    current_version=current_version,
                    changed_by=user_label(current.updated_by) if current else _last_deleter(contract, change),
                    changed_at=current.updated_at if current else None,
                    your_value=format_value(change.value, indicator.value_type),
                )
            )
            continue
        to_apply.append((change, current))
    touched = [Span.month(c.month) for c, _ in to_apply] + [Span.month(c.key[2]) for c in conflicts]
    locked = lock_reason(contract.pk, touched)
    if locked:
        raise QuarterLocked(locked)
    if conflicts:
        raise ConcurrentEdit(conflicts)

    now = timezone.now()
    new_rows: list[MonthlyActual] = []
    updated_rows: list[MonthlyActual] = []
    deleted_ids: list[int] = []
    audit: list[AuditEntry] = []
    for change, current in to_apply:
        indicator = indicators[change.indicator_id]
        area = areas.get(change.area_id)
        old_text = format_value(current.value if current else None, indicator.value_type)
        new_text = format_value(change.value, indicator.value_type)
        if change.value is None:
            deleted_ids.append(current.pk)
            action, object_id = AuditEntry.Action.DELETE, current.pk
            result.deleted += 1
        elif current is None:
            row = MonthlyActual(
                contract=contract, service_area=area, indicator=indicator, month=change.month,
                value=change.value, version=1, updated_by=user,
            )
            row.clean_fields(exclude=_FK_FIELDS)  # FK existence is known: skip a query per row
            row.clean()
            new_rows.append(row)
            action, object_id = AuditEntry.Action.CREATE, None
            result.created += 1
        else:
            current.value = change.value
            current.version += 1
            current.updated_by = user
            current.updated_at = now
            current.clean_fields(exclude=_FK_FIELDS)
            updated_rows.append(current)
            action, object_id = AuditEntry.Action.UPDATE, current.pk
            result.updated += 1
        result.changed_keys.append(change.key)
        audit.append(
            AuditEntry(
                user=user, action=action, subject=AuditEntry.Subject.ACTUAL, object_id=object_id, contract=contract,
                quarter=quarter.slug, service_area=area, indicator=indicator, month=change.month,
                label=_cell_label(area, indicator, change.month), field="value",
                old_value=old_text, new_value=new_text, reason=reason, source=source,
            )
        )
    if deleted_ids:
        MonthlyActual.objects.filter(pk__in=deleted_ids).delete()
    if updated_rows:
        MonthlyActual.objects.bulk_update(updated_rows, ["value", "version", "updated_by", "updated_at"])
    if new_rows:
        created = MonthlyActual.objects.bulk_create(new_rows)
        by_key = {(r.service_area_id, r.indicator_id, r.month): r.pk for r in created}
        for entry in audit:
            if entry.action == AuditEntry.Action.CREATE:
                entry.object_id = by_key.get((entry.service_area_id, entry.indicator_id, entry.month))
    if audit:
        AuditEntry.objects.bulk_create(audit)
        submission.version += 1
        submission.save(update_fields=["version", "updated_at"])
    return result


def _last_deleter(contract: Contract, change: CellChange) -> str:
    entry = (
        AuditEntry.objects.filter(
            contract=contract, subject=AuditEntry.Subject.ACTUAL, service_area_id=change.area_id,
            indicator_id=change.indicator_id, month=change.month,
        )
        .select_related("user")
        .first()
    )
    return user_label(entry.user) if entry else "（未知用户）"


@transaction.atomic
def quarter_submit(
    *, contract: Contract, quarter: Quarter, user, expected_version: int | None = None, source: str = ""
) -> QuarterSubmission:
    """Submit a quarter: it becomes read-only until the bureau returns it. `source` (网页, API…) goes to 修改记录."""
    require_editor(user, contract)
    _quarter_of_contract(contract, quarter)
    submission = _lock_submission(contract, quarter)
    if submission.status == QuarterSubmission.Status.APPROVED:
        raise QuarterLocked(f"{quarter.label}已审核通过，无需重复提交。")
    if submission.is_locked:
        raise QuarterLocked(f"{quarter.label}已提交，无需重复提交。")
    if expected_version is not None and submission.version != expected_version:
        raise EntryError("提交未成功：本季度数据在您打开本页后已被他人修改，请刷新页面核对后再提交。")
    old_status = submission.get_status_display()
    submission.status = QuarterSubmission.Status.SUBMITTED
    submission.submitted_at = timezone.now()
    submission.submitted_by = user
    submission.version += 1
    submission.full_clean()
    submission.save()
    AuditEntry.objects.create(
        user=user, action=AuditEntry.Action.SUBMIT, subject=AuditEntry.Subject.SUBMISSION, object_id=submission.pk,
        contract=contract, quarter=quarter.slug, label=f"{quarter.label}填报", field="status",
        old_value=old_status, new_value=submission.get_status_display(), source=source,
    )
    return submission


@transaction.atomic
def quarter_return(*, contract: Contract, quarter: Quarter, user, reason: str) -> QuarterSubmission:
    """The bureau returns a submitted quarter with a reason; the street office can edit it again."""
    if not contracts_returnable_by(user).filter(pk=contract.pk).exists():
        raise PermissionDenied("只有本区民政局可以退回。")
    reason = (reason or "").strip()
    if not reason:
        raise EntryError("请填写退回原因。")
    _quarter_of_contract(contract, quarter)
    submission = _lock_submission(contract, quarter)
    if submission.status == QuarterSubmission.Status.APPROVED:
        raise EntryError(f"{quarter.label}已审核通过，不能退回。")
    if submission.status != QuarterSubmission.Status.SUBMITTED:
        raise EntryError(f"{quarter.label}尚未提交，不能退回。")
    submission.status = QuarterSubmission.Status.RETURNED
    submission.returned_at = timezone.now()
    submission.returned_by = user
    submission.return_reason = reason
    submission.version += 1
    submission.full_clean()
    submission.save()
    AuditEntry.objects.create(
        user=user, action=AuditEntry.Action.RETURN, subject=AuditEntry.Subject.SUBMISSION, object_id=submission.pk,
        contract=contract, quarter=quarter.slug, label=f"{quarter.label}填报", field="status",
        old_value=QuarterSubmission.Status.SUBMITTED.label, new_value=submission.get_status_display(), reason=reason,
    )
    return submission


@transaction.atomic
def target_set(
    *,
    contract: Contract,
    service_area: ServiceArea | None,
    indicator: IndicatorDefinition,
    value: Decimal | None,
    user,
    expected_version: int = 0,
    reason: str = "",
    source: str = "网页",
) -> Target | None:
    """Set (or clear, value None) a contract's annual target for an indicator, with optimistic versioning."""
    if not (contracts_editable_by(user).filter(pk=contract.pk).exists()
            or contracts_returnable_by(user).filter(pk=contract.pk).exists()):
        raise PermissionDenied("无权限修改协议量。")
    if value is not None:
        try:
            value = check_value(value, indicator.value_type)
        except InvalidValue as exc:
            raise EntryError(f"“{indicator.name}”协议量{exc}") from None
    current = (
        Target.objects.select_for_update()
        .filter(contract=contract, service_area=service_area, indicator=indicator)
        .first()
    )
    current_value = current.value if current else None
    if current_value == value:
        return current
    locked = lock_reason(contract.pk, [], whole_contract=True)
    if locked:
        raise QuarterLocked(locked)
    if (current.version if current else 0) != expected_version:
        raise EntryError(
            f"保存未成功：“{indicator.name}”的协议量已被他人改为 "
            f"{format_value(current_value, indicator.value_type) or '（空）'}，请刷新后再修改。"
        )
    label = f"{service_area.name if service_area else '全站'} · {indicator.name} · 协议量"
    if value is None:
        current.delete()
        action, object_id, result = AuditEntry.Action.DELETE, current.pk, None
    elif current is None:
        result = Target(contract=contract, service_area=service_area, indicator=indicator, value=value)
        result.full_clean()
        result.save()
        action, object_id = AuditEntry.Action.CREATE, result.pk
    else:
        current.value = value
        current.version += 1
        current.full_clean()
        current.save()
        action, object_id, result = AuditEntry.Action.UPDATE, current.pk, current
    AuditEntry.objects.create(
        user=user, action=action, subject=AuditEntry.Subject.TARGET, object_id=object_id, contract=contract,
        service_area=service_area, indicator=indicator, label=label, field="value",
        old_value=format_value(current_value, indicator.value_type),
        new_value=format_value(value, indicator.value_type), reason=reason, source=source,
    )
    return result


@transaction.atomic
def quarter_save(
    *,
    contract: Contract,
    quarter: Quarter,
    changes: Iterable[CellChange],
    user,
    submit: bool = False,
    expected_version: int | None = None,
    source: str = "网页",
) -> SaveResult:
    """Save draft values and, when `submit`, submit the quarter in the same transaction (all or nothing).

    `expected_version` is the quarter version the user loaded: submitting refuses when someone else saved the
    quarter in between, so nobody submits figures they have not seen.
    """
    result = actuals_save(contract=contract, quarter=quarter, changes=changes, user=user, source=source)
    if submit:
        if expected_version is not None and result.changed:
            expected_version += 1  # our own save just moved the version
        quarter_submit(contract=contract, quarter=quarter, user=user, expected_version=expected_version)
    return result


# --- Excel import previews ---------------------------------------------------------------------------------------


@transaction.atomic
def import_batch_apply(*, batch: ImportBatch, user) -> SaveResult:
    """Apply a previewed quarterly actuals upload through actuals_save and mark it applied, in one transaction.

    The batch row is locked: a double click or a second tab applies it once; the second is told it was done.
    """

    batch = ImportBatch.objects.select_for_update().select_related("contract").get(pk=batch.pk)
    if batch.user_id != user.pk or batch.kind != ImportBatch.Kind.ACTUALS:
        raise PermissionDenied("无权限导入该批次。")
    if batch.applied_at is not None:
        raise AlreadyApplied("该文件已导入，无需重复导入。")
    result = quarter_save(
        contract=batch.contract, quarter=Quarter.parse(batch.quarter), changes=changes_from_payload(batch.payload),
        user=user, source="Excel 导入",
    )
    batch.applied_at = timezone.now()
    batch.save(update_fields=["applied_at"])
    return result

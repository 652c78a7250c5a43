"""Approval of submitted quarters (审核通过) by the district bureau, one or several at once (issue 10 §4).

submitted → approved (final: the quarter stays read-only and leaves every to-do list) or submitted → returned
(with a reason, through services.quarter_return). Every transition is written to AuditEntry, so the quarter's
history shows each submit, return and approval.

Bulk actions take (submission id, version seen) pairs: a quarter that was returned and submitted again after the
reviewer loaded the list has a new version and is skipped with a reason, so nobody approves figures they have not
seen. The whole batch is refused (nothing changes) when it names a quarter the user may not review.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from evalportal.edits import EntryError
from evalportal.listing import parse_id, parse_number
from evalportal.periods import Quarter
from evalportal.roles import contracts_returnable_by
from stations.models import AuditEntry, Contract, QuarterSubmission

from .services import _lock_submission, _quarter_of_contract, quarter_return


def _quarter(submission: QuarterSubmission) -> Quarter:
    return Quarter(submission.year, submission.quarter)


def _approve_locked(submission: QuarterSubmission, user, now) -> None:
    submission.status = QuarterSubmission.Status.APPROVED
    submission.approved_at = now
    submission.approved_by = user
    submission.version += 1
    submission.full_clean()
    submission.save()
    AuditEntry.objects.create(
        user=user, action=AuditEntry.Action.APPROVE, subject=AuditEntry.Subject.SUBMISSION, object_id=submission.pk,
        contract_id=submission.contract_id, quarter=submission.slug, label=f"{_quarter(submission).label}填报",
        field="status", old_value=QuarterSubmission.Status.SUBMITTED.label, new_value=submission.get_status_display(),
    )


def _refusal(submission: QuarterSubmission) -> str:
    label = _quarter(submission).label
    if submission.status == QuarterSubmission.Status.APPROVED:
        return f"{label}已审核通过，无需重复审核。"
    if submission.status == QuarterSubmission.Status.RETURNED:
        return f"{label}已退回，待街道办重新提交后再审核。"
    return f"{label}尚未提交，不能审核。"


@transaction.atomic
def quarter_approve(*, contract: Contract, quarter: Quarter, user, expected_version: int | None = None) -> QuarterSubmission:
    """The bureau of the contract's district approves one submitted quarter."""
    if not contracts_returnable_by(user).filter(pk=contract.pk).exists():
        raise PermissionDenied("只有本区民政局可以审核。")
    _quarter_of_contract(contract, quarter)
    submission = _lock_submission(contract, quarter)
    if submission.status != QuarterSubmission.Status.SUBMITTED:
        raise EntryError(_refusal(submission))
    if expected_version is not None and submission.version != expected_version:
        raise EntryError(f"{quarter.label}数据在您打开本页后已有变动，请刷新页面核对后再审核。")
    _approve_locked(submission, user, timezone.now())
    return submission


@dataclass
class BulkResult:
    done: list[QuarterSubmission] = field(default_factory=list)
    skipped: list[tuple[QuarterSubmission, str]] = field(default_factory=list)  # (submission, reason in Chinese)


def _locked_batch(user, seen: dict[int, int | None]) -> list[QuarterSubmission]:
    if not seen:
        raise EntryError("请至少选择一个季度。")
    allowed = contracts_returnable_by(user).values("pk")
    rows = list(
        QuarterSubmission.objects.select_for_update(of=("self",))
        .filter(pk__in=list(seen), contract__in=allowed)
        .select_related("contract__station")
        .order_by("contract__code", "year", "quarter")
    )
    if len(rows) != len(seen):
        raise PermissionDenied("所选季度中有不属于本区的数据，未做任何处理。")
    return rows


def _stale(submission: QuarterSubmission, seen: dict[int, int | None]) -> bool:
    expected = seen.get(submission.pk)
    return expected is not None and submission.version != expected


@transaction.atomic
def quarters_approve(*, user, seen: dict[int, int | None]) -> BulkResult:
    """Approve several submitted quarters at once. `seen` maps submission id → version shown to the user (None:
    not checked). Quarters no longer submitted, or changed since, are skipped with a reason; the rest are approved."""
    result = BulkResult()
    now = timezone.now()
    for submission in _locked_batch(user, seen):
        if submission.status != QuarterSubmission.Status.SUBMITTED:
            result.skipped.append((submission, _refusal(submission)))
        elif _stale(submission, seen):
            result.skipped.append((submission, "在您打开列表后已有变动，请核对后再审核。"))
        else:
            _approve_locked(submission, user, now)
            result.done.append(submission)
    return result


@transaction.atomic
def quarters_return(*, user, seen: dict[int, int | None], reason: str) -> BulkResult:
    """Return several submitted quarters with one reason (the street offices see it on their homes)."""
    if not (reason or "").strip():
        raise EntryError("请填写退回原因。")
    result = BulkResult()
    for submission in _locked_batch(user, seen):
        if submission.status != QuarterSubmission.Status.SUBMITTED:
            result.skipped.append((submission, _refusal(submission).replace("审核", "退回")))
        elif _stale(submission, seen):
            result.skipped.append((submission, "在您打开列表后已有变动，请核对后再退回。"))
        else:
            result.done.append(
                quarter_return(contract=submission.contract, quarter=_quarter(submission), user=user, reason=reason)
            )
    return result


def parse_seen(values: Iterable[str]) -> dict[int, int | None]:
    """Form values "id" or "id:version" → {id: version}; malformed values (not numbers, or beyond what a database column
    holds: evalportal.listing.parse_id) are ignored."""
    seen: dict[int, int | None] = {}
    for value in values:
        head, _, version = str(value).partition(":")
        pk, number = parse_id(head), parse_number(version) if version else None
        if pk is None or (version and number is None):
            continue
        seen[pk] = number
    return seen

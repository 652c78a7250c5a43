"""What is signed never moves (issue 9 §1): the one rule deciding whether data dated in a contract period may change.

Two things lock data of a contract:
- a quarter whose entry is no longer open (QuarterSubmission in any state but 填报中 / 已退回: 已提交, and any state
  added later such as 审核通过) locks everything dated in that quarter: monthly actuals, staff months, staff joins,
  leaves and transfers, activities;
- a finalised evaluation (any state but 进行中) locks everything dated in its 考核期 (period_start … period_end),
  and the contract's targets (协议量), which its tables print.

Every write path asks this module: the services (portal forms and grids, Excel imports, commands, any future API
calls them), and the admin (evalportal.admin_helpers) for the rows it saves or deletes directly. Changing locked
data takes a return of the quarter by the bureau or a reopen of the evaluation, each with a reason in the history.

The models are looked up through the app registry, not imported: this bottom layer imports no app.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.apps import apps

from .edits import EntryError

# Quarter states in which the street office may still change the quarter's data; every other state locks it.
OPEN_QUARTER_STATES = frozenset({"draft", "returned"})
# Evaluation states that leave its period open; every other state (已定稿) locks it.
OPEN_EVALUATION_STATES = frozenset({"draft"})

_QUARTER_NAMES = "一二三四"


class DataLocked(EntryError):
    """A write refused because the data lies behind a submitted quarter or a finalised evaluation."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Span:
    """The days a piece of data speaks for: one day (an activity, a leaving date) or a month (a monthly figure)."""

    start: date
    end: date

    @classmethod
    def day(cls, day: date) -> Span:
        return cls(day, day)

    @classmethod
    def month(cls, month: date) -> Span:
        first = month.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return cls(first, following - timedelta(days=1))

    @property
    def quarter(self) -> tuple[int, int]:
        return self.start.year, (self.start.month - 1) // 3 + 1


def quarter_label(year: int, quarter: int) -> str:
    return f"{year}年第{_QUARTER_NAMES[quarter - 1]}季度"


def quarter_is_locked(status: str) -> bool:
    return status not in OPEN_QUARTER_STATES


def quarter_lock_message(year: int, quarter: int, status: str, status_label: str) -> str:
    if status == "approved":  # final: an approved quarter cannot be returned (indicators.services.quarter_return)
        return f"{quarter_label(year, quarter)}已审核通过，不能修改。"
    state = "已提交" if status == "submitted" else (status_label if status_label.startswith("已") else f"已{status_label}")
    return f"{quarter_label(year, quarter)}{state}，不能修改；如需修改，请联系区民政局退回。"


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def evaluation_lock_message(evaluation) -> str:
    return (
        f"该数据属于已定稿的评估“{evaluation}”（{evaluation.code}，考核期 {_day(evaluation.period_start)}至"
        f"{_day(evaluation.period_end)}），不能修改；如需修改，请联系区民政局重新开启该评估。"
    )


def _spans(items: Iterable[Span | date | None]) -> list[Span]:
    result = set()
    for item in items:
        if item is None:
            continue
        result.add(item if isinstance(item, Span) else Span.day(item))
    return sorted(result, key=lambda s: (s.start, s.end))


def span_reasons(contract_id: int | None, spans: Iterable[Span | date | None]) -> dict[Span, str]:
    """The lock reason of each span ("" when open): two queries whatever the number of spans."""
    spans = _spans(spans)
    result = dict.fromkeys(spans, "")
    if contract_id is None or not spans:
        return result
    submission = apps.get_model("stations", "QuarterSubmission")
    quarters = {s.quarter for s in spans}
    locked_quarters = {
        (q.year, q.quarter): quarter_lock_message(q.year, q.quarter, q.status, q.get_status_display())
        for q in submission.objects.filter(contract_id=contract_id, year__in={y for y, _ in quarters})
        .exclude(status__in=OPEN_QUARTER_STATES)
        if (q.year, q.quarter) in quarters
    }
    evaluation = apps.get_model("reports", "Evaluation")
    finalised = list(
        evaluation.objects.filter(
            contract_id=contract_id, period_start__lte=spans[-1].end, period_end__gte=spans[0].start
        ).exclude(status__in=OPEN_EVALUATION_STATES).select_related("contract__station").order_by("period_start", "pk")
    ) if spans else []
    for span in spans:
        reason = locked_quarters.get(span.quarter, "")
        if not reason:
            for candidate in finalised:
                if span.start <= candidate.period_end and span.end >= candidate.period_start:
                    reason = evaluation_lock_message(candidate)
                    break
        result[span] = reason
    return result


def month_reasons(contract_id: int | None, months: Iterable[date]) -> dict[date, str]:
    """The lock reason of each month (first day) of a grid: two queries."""
    months = list(months)
    reasons = span_reasons(contract_id, [Span.month(m) for m in months])
    return {m: reasons[Span.month(m)] for m in months}


def lock_reason(contract_id: int | None, spans: Iterable[Span | date | None], *, whole_contract: bool = False) -> str:
    """Why data of `contract_id` dated in `spans` may not change ("" when it may). Two queries at most.

    `whole_contract` is for what feeds every period of the contract (its targets): any finalised evaluation locks it.
    """
    if contract_id is None:
        return ""
    if whole_contract:
        evaluation = apps.get_model("reports", "Evaluation")
        finalised = evaluation.objects.filter(contract_id=contract_id).exclude(status__in=OPEN_EVALUATION_STATES)
        candidate = finalised.select_related("contract__station").order_by("period_start", "pk").first()
        if candidate is not None:
            return evaluation_lock_message(candidate)
    return next((r for r in span_reasons(contract_id, spans).values() if r), "")


def evaluation_locked_reason(evaluation) -> str:
    """An evaluation's own results (party scores, rubric items, findings, total, grade) once it is finalised."""
    if evaluation is None or evaluation.status in OPEN_EVALUATION_STATES:
        return ""
    return (
        f"评估“{evaluation}”（{evaluation.code}）已定稿，不能修改；如需修改，请由区民政局填写原因重新开启。"
    )


# an evaluation's signed results: read-only once it is finalised
EVALUATION_RESULT_ROWS = frozenset({
    "reports.evaluation", "reports.partyscore", "reports.evaluationitem", "reports.finding",
    "reports.evaluationsection", "reports.evidenceattachment",
})


# --- what each kind of row speaks for ---------------------------------------------------------------------------


def _staff_month_spans(staff_id: int | None, since: date | None = None) -> list[Span]:
    if staff_id is None:
        return []
    months = apps.get_model("stations", "StaffMonth").objects.filter(staff_id=staff_id)
    if since is not None:
        months = months.filter(month__gte=since.replace(day=1))
    return [Span.month(m) for m in months.values_list("month", flat=True)]


# StaffMember fields that change the figures of every month the person worked (持证, 两年以上从业)
STAFF_FIGURE_FIELDS = ("certificate", "two_years_practice")


def row_spans(obj) -> tuple[int | None, list[Span], bool]:
    """(contract id, spans, whole_contract) that one stored row speaks for, by model."""
    label = obj._meta.label_lower
    if label == "indicators.monthlyactual":
        return obj.contract_id, [Span.month(obj.month)] if obj.month else [], False
    if label == "indicators.target":
        return obj.contract_id, [], True
    if label == "stations.staffmonth":
        staff = apps.get_model("stations", "StaffMember").objects.filter(pk=obj.staff_id).only("contract_id").first()
        return (staff.contract_id if staff else None), [Span.month(obj.month)] if obj.month else [], False
    if label == "stations.activityentry":
        return obj.contract_id, [obj.date] if obj.date else [], False
    if label == "stations.stafftransfer":
        staff = apps.get_model("stations", "StaffMember").objects.filter(pk=obj.staff_id).only("contract_id").first()
        spans = [Span.day(obj.date)] if obj.date else []
        return (staff.contract_id if staff else None), spans, False
    if label == "stations.staffmember":
        return obj.contract_id, [d for d in (obj.joined_on, obj.left_on) if d], False
    if label == "stations.servicearea":  # deleting a 片区 deletes its actuals and targets with it
        months = apps.get_model("indicators", "MonthlyActual").objects.filter(service_area_id=obj.pk)
        has_targets = apps.get_model("indicators", "Target").objects.filter(service_area_id=obj.pk).exists()
        return obj.contract_id, [Span.month(m) for m in months.values_list("month", flat=True).distinct()], has_targets
    if label == "stations.contract":  # deleting a contract deletes everything dated in it
        spans = []
        month = obj.start_date.replace(day=1) if obj.start_date else None
        while month is not None and obj.end_date and month <= obj.end_date:
            spans.append(Span.month(month))
            month = spans[-1].end + timedelta(days=1)
        return obj.pk, spans, True
    return None, [], False


# bookkeeping columns every save moves: not a change of the data
BOOKKEEPING_FIELDS = frozenset({"version", "updated_by", "updated_at", "created_by", "created_at"})


def changed_fields(old, new) -> list[str]:
    """Names of the concrete fields (bookkeeping excluded) whose stored values differ between two rows."""
    return [
        f.name for f in new._meta.concrete_fields
        if f.name not in BOOKKEEPING_FIELDS and getattr(old, f.attname) != getattr(new, f.attname)
    ]


def change_lock_reason(old, new) -> str:
    """Why changing a row from `old` (as stored; None when it is created) to `new` (None when it is deleted) is refused.

    Both the row as it was and as it would be are checked: moving an activity out of a submitted quarter changes
    that quarter as much as moving one in. For a staff member, only the dates that change count, plus every month
    worked when a field that changes those months' figures (certificate, 从业2年以上) changes or the row is deleted.
    """
    instance = new if new is not None else old
    if instance is None:
        return ""
    label = instance._meta.label_lower
    if label in EVALUATION_RESULT_ROWS:
        return _evaluation_row_reason(old, new)
    if label == "stations.staffmember":
        return _staff_reason(old, new)
    if label in ("stations.servicearea", "stations.contract") and new is not None:
        return ""  # only their deletion takes dated data with it
    reasons_for = []
    for row in (old, new):
        if row is not None:
            reasons_for.append(row_spans(row))
    if old is not None and new is not None and not changed_fields(old, new):
        return ""
    for contract_id, spans, whole in reasons_for:
        if label == "stations.stafftransfer" and spans:
            spans = spans + _staff_month_spans(instance.staff_id, spans[0].start)
        reason = lock_reason(contract_id, spans, whole_contract=whole)
        if reason:
            return reason
    return ""


def _staff_reason(old, new) -> str:
    if old is None:
        return lock_reason(new.contract_id, [new.joined_on, new.left_on])
    if new is None:
        return lock_reason(old.contract_id, [old.joined_on, old.left_on, *_staff_month_spans(old.pk)])
    spans: list[Span | date | None] = []
    for field in ("joined_on", "left_on"):
        if getattr(old, field) != getattr(new, field):
            spans += [getattr(old, field), getattr(new, field)]
    if any(getattr(old, f) != getattr(new, f) for f in STAFF_FIGURE_FIELDS) or old.contract_id != new.contract_id:
        spans += _staff_month_spans(old.pk)
    return lock_reason(old.contract_id, spans) or (
        lock_reason(new.contract_id, [new.joined_on, new.left_on]) if old.contract_id != new.contract_id else ""
    )


def _evaluation_of(row):
    label = row._meta.label_lower
    evaluation_model = apps.get_model("reports", "Evaluation")
    if label == "reports.evaluation":
        return evaluation_model.objects.filter(pk=row.pk).select_related("contract__station").first() if row.pk else None
    if label == "reports.evaluationitem":
        section = apps.get_model("reports", "EvaluationSection").objects.filter(pk=row.section_id).first()
        evaluation_id = section.evaluation_id if section else None
    elif label == "reports.evidenceattachment":
        item = apps.get_model("reports", "EvaluationItem").objects.select_related("section").filter(pk=row.item_id)
        evaluation_id = item.first().section.evaluation_id if item.exists() else None
    else:
        evaluation_id = row.evaluation_id
    return evaluation_model.objects.filter(pk=evaluation_id).select_related("contract__station").first()


def _evaluation_row_reason(old, new) -> str:
    """A finalised evaluation's rows stay as signed; the evaluation row itself is checked as stored (old), so that
    an admin cannot 'unfinalise' it by editing its status: a reopen with a reason does that."""
    for row in (old, new):
        if row is None:
            continue
        reason = evaluation_locked_reason(_evaluation_of(row))
        if reason:
            return reason
    return ""

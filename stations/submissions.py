"""What the home page shows per role (issue 3 §2): quarters due, quarters returned, quarters awaiting review.

Three queries whatever the number of contracts: contracts, their quarter submissions, (evaluations in the view).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, IntegerField, Min, OuterRef, QuerySet, Value

from evalportal.periods import Quarter, add_months, contract_quarters, is_open_for_entry, is_overdue

from .models import Contract, QuarterSubmission


@dataclass
class QuarterStatus:
    contract: Contract
    quarter: Quarter
    submission: QuarterSubmission | None
    today: date

    @property
    def status(self) -> str:
        return self.submission.status if self.submission else QuarterSubmission.Status.DRAFT

    @property
    def status_label(self) -> str:
        return QuarterSubmission.Status(self.status).label

    @property
    def locked(self) -> bool:
        return self.status in QuarterSubmission.LOCKED_STATUSES

    @property
    def deadline(self) -> date:
        return self.quarter.deadline

    @property
    def overdue(self) -> bool:
        return not self.locked and is_overdue(self.quarter, self.today)

    @property
    def days_left(self) -> int:
        return (self.deadline - self.today).days

    @property
    def days_overdue(self) -> int:
        return max(-self.days_left, 0)


def quarter_statuses(contracts: QuerySet, today: date) -> list[QuarterStatus]:
    """Every started quarter of the given contracts with its submission (two queries)."""
    contract_list = list(contracts.select_related("station"))
    submissions = {
        (s.contract_id, s.year, s.quarter): s
        for s in QuarterSubmission.objects.filter(contract__in=[c.pk for c in contract_list]).select_related(
            "returned_by", "submitted_by"
        )
    }
    result = []
    for contract in contract_list:
        for quarter in contract_quarters(contract.start_date, contract.end_date):
            if not is_open_for_entry(quarter, today):
                continue
            result.append(
                QuarterStatus(contract, quarter, submissions.get((contract.pk, quarter.year, quarter.quarter)), today)
            )
    return result


def last_overdue_quarter(today: date) -> Quarter:
    """The latest quarter whose deadline has passed on `today` (is_overdue)."""
    quarter = Quarter.of(add_months(Quarter.of(today).start, -3))
    return quarter if is_overdue(quarter, today) else Quarter.of(add_months(quarter.start, -3))


def unsubmitted_quarters(contracts: QuerySet, through: Quarter) -> QuerySet:
    """The quarters of `contracts` up to `through` that are neither submitted, approved nor returned (no submission
    or a draft one), as rows (year, quarter, contract code, station name) ordered by quarter (so by deadline), then
    contract code: slice it for the first ones, count() it for the total.

    Computed in the database whatever the number of contracts (one query to find the first quarter, then one UNION
    ALL part per quarter from it through `through`: bounded by time, not by stations).
    """
    first = contracts.aggregate(first=Min("start_date"))["first"]
    if first is None or Quarter.of(first) > through:
        return QuarterSubmission.objects.none().values_list("year", "quarter", "status", "return_reason")
    base = contracts.order_by()
    parts = []
    quarter = Quarter.of(first)
    while quarter <= through:
        blocking = QuarterSubmission.objects.filter(
            contract=OuterRef("pk"), year=quarter.year, quarter=quarter.quarter,
            status__in=[*QuarterSubmission.LOCKED_STATUSES, QuarterSubmission.Status.RETURNED],
        )
        parts.append(
            base.filter(start_date__lte=quarter.end, end_date__gte=quarter.start)
            .filter(~Exists(blocking))
            .annotate(q_year=Value(quarter.year, IntegerField()), q_num=Value(quarter.quarter, IntegerField()))
            .values_list("q_year", "q_num", "code", "station__name")
        )
        quarter = quarter.next()
    combined = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return combined.order_by("q_year", "q_num", "code")

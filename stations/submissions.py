"""What the home page shows per role (issue 3 §2): quarters due, quarters returned, quarters awaiting review.

Three queries whatever the number of contracts: contracts, their quarter submissions, (evaluations in the view).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from evalportal.periods import Quarter, contract_quarters, is_open_for_entry, is_overdue

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

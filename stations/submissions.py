"""What the home page shows per role (issue 3 §2): quarters due, quarters returned, quarters awaiting review.

Three queries whatever the number of contracts: contracts, their quarter submissions, (evaluations in the view).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Min, QuerySet

from evalportal.periods import Quarter, add_months, contract_quarters, is_open_for_entry, is_overdue

from .models import Contract, QuarterSubmission, Station


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


def unsubmitted_quarters(contracts: QuerySet, through: Quarter, limit: int,
                         count_up_to: int) -> tuple[list[tuple[Quarter, str, str]], int]:
    """The quarters of `contracts` up to `through` that are neither submitted, approved nor returned (no submission
    or a draft one): the first `limit` as (quarter, contract code, station name), ordered by quarter (so by deadline)
    then contract code, and how many there are, counted up to `count_up_to` (≥ `limit`): the database keeps only that
    many rows of its sort and sends them, whatever the backlog.

    Computed in the database whatever the number of contracts, in two queries: the first quarter concerned, then the
    quarters from it through `through` (a VALUES list: bounded by time, not by stations) joined with the contracts
    they intersect, less those with a submission that takes them off the list.
    """
    first = contracts.aggregate(first=Min("start_date"))["first"]
    quarters = []
    quarter = Quarter.of(first) if first else through.next()
    while quarter <= through:
        quarters.append(quarter)
        quarter = quarter.next()
    if not quarters:
        return [], 0
    contract_ids, id_params = contracts.order_by().values("pk").query.sql_with_params()
    blocking = [*QuarterSubmission.LOCKED_STATUSES, QuarterSubmission.Status.RETURNED]
    sql = f"""
        SELECT q.column1, q.column2, c.code, s.name
        FROM (VALUES {", ".join(["(%s, %s, %s, %s)"] * len(quarters))}) AS q
        INNER JOIN {Contract._meta.db_table} c ON c.start_date <= q.column4 AND c.end_date >= q.column3
        INNER JOIN {Station._meta.db_table} s ON s.id = c.station_id
        WHERE c.id IN ({contract_ids}) AND NOT EXISTS (
            SELECT 1 FROM {QuarterSubmission._meta.db_table} x
            WHERE x.contract_id = c.id AND x.year = q.column1 AND x.quarter = q.column2
            AND x.status IN ({", ".join(["%s"] * len(blocking))})
        )
        ORDER BY q.column1, q.column2, c.code
        LIMIT %s
    """
    params = [v for q in quarters for v in (q.year, q.quarter, q.start, q.end)]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *id_params, *blocking, max(count_up_to, limit)])
        rows = cursor.fetchall()
    return [(Quarter(y, q), code, station) for y, q, code, station in rows[:limit]], len(rows)

"""Summary tables of the indicator figures (issue 10 §7): what the city and province rollups and the per-station charts
read, so that their cost does not grow with the number of stations or of monthly actuals.

- ContractMonthFigure: one row per contract × indicator (with a target or an actual) × month of the contract's
  period, at the month's end: 完成量 to date (`cumulative`), the quarter's 完成量 to date (`quarter_value`), Σ 协议量,
  time pace (elapsed of total months, indicators.calculations.contract_pace) and the gap 完成率 − 时间进度 (for the
  database to order the per-station chart through an index).
- DistrictMonthFigure: the same sums per district × indicator × month over the contracts that share their period
  (first and last month, the last month their pace counts, length: a few dozen per district and year, however many
  stations); DistrictTarget: Σ 协议量 per district × indicator × period.

Rules (DOMAIN.md "Indicators, targets, actuals", as oversight.rollups computed them from the monthly actuals): a flow
indicator's 完成量 is the sum of its monthly actuals; a stock indicator (建档) takes each 片区's latest month with data
(within the quarter, for a quarter's figure), summed over 片区 and stations.

- ContractGrade / DistrictGrade: the finalised evaluations per year and grade (count, Σ 总得分), per contract and per
  district: what the grade distribution and the district comparison read.

Kept current: database triggers (oversight.summary_triggers) mark a contract in RollupDirty on every write that can
change its figures, in the writer's transaction; `refresh()` — called before every read of the tables — recomputes
the marked contracts and their district rows, under a lock, in one transaction. A read therefore never sees a figure
older than the last committed write. `rebuild()` recomputes everything (`manage.py rebuild_summary`).
"""

from __future__ import annotations

import operator
from collections import defaultdict
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from functools import reduce

from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import ExtractYear

from evalportal.bulk import insert_rows
from evalportal.periods import add_months, calendar_months, month_end, month_start
from indicators.calculations import Pace, contract_months, contract_pace
from indicators.models import IndicatorDefinition, MonthlyActual, Target

from .models import (
    PERIOD,
    ContractGrade,
    ContractMonthFigure,
    ContractSpan,
    DistrictGrade,
    DistrictMonthContracts,
    DistrictMonthFigure,
    DistrictTarget,
    RollupDirty,
)

STOCK = IndicatorDefinition.Accumulation.STOCK
BATCH = 200  # contracts recomputed per round of queries
LOCK_KEY = 7_310_201  # pg_advisory_xact_lock: one refresh at a time (SQLite: the IMMEDIATE transaction is the lock)


def period_of(start: date, end: date) -> tuple[date, date, date, int]:
    """(first month, last month, last month counted by the pace, months) of a contract period."""
    last = month_start(end)
    return month_start(start), last, last if end == month_end(end) else add_months(last, -1), contract_months(start, end)


def period_pace(first_month: date, counted_last: date, total: int, cutoff: date) -> Pace:
    """indicators.calculations.contract_pace from a period's months (tests/oversight/test_summary.py checks that they
    agree): the months from the first to the cut-off's (a month counts when the cut-off reaches its last day), up to
    the last counted month, at most `total`."""
    upto = month_start(cutoff) if cutoff == month_end(cutoff) else add_months(month_start(cutoff), -1)
    upto = min(upto, counted_last)
    elapsed = (upto.year - first_month.year) * 12 + upto.month - first_month.month + 1
    return Pace(elapsed=min(max(elapsed, 0), total), total=total)


def refresh() -> int:
    """Bring the summary tables up to date with every marked contract; returns how many were recomputed.

    One query when nothing is marked. Otherwise, in one transaction: the lock, then DELETE … RETURNING of the marks
    (a writer still in progress holds its mark's row lock, so the DELETE waits for its commit; a mark made after the
    DELETE stays for the next refresh), then the recomputation, which reads what those writers committed."""
    if not RollupDirty.objects.exists():
        return 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            cursor.execute(f"DELETE FROM {RollupDirty._meta.db_table} RETURNING contract_id")
            ids = sorted({row[0] for row in cursor.fetchall()})
        _recompute(ids)
    return len(ids)


def rebuild() -> int:
    """Recompute every contract (after a bulk load with the triggers off, or to check the tables)."""
    from stations.models import Contract

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        RollupDirty.objects.all().delete()
        ContractMonthFigure.objects.all().delete()
        DistrictMonthFigure.objects.all().delete()
        DistrictTarget.objects.all().delete()
        ContractGrade.objects.all().delete()
        DistrictGrade.objects.all().delete()
        ids = list(Contract.objects.order_by("pk").values_list("pk", flat=True))
        with _indexes_off_while_loading():
            _recompute(ids, fresh=True)
        rebuild_spans()
    return len(ids)


@contextmanager
def _indexes_off_while_loading():
    """PostgreSQL: the contract table's secondary indexes dropped for the load and built after it, as a bulk load does
    (4× faster at 15 M rows); inside the rebuild's transaction, so that nothing ever sees the table without them."""
    if connection.vendor != "postgresql":
        yield
        return
    indexes = ContractMonthFigure._meta.indexes
    with connection.schema_editor(atomic=False) as editor:
        for index in indexes:
            editor.remove_index(ContractMonthFigure, index)
    yield
    with connection.schema_editor(atomic=False) as editor:
        for index in indexes:
            editor.add_index(ContractMonthFigure, index)


def _recompute(ids: list[int], fresh: bool = False) -> None:
    """Replace the contracts' rows; then, from scratch, every district row (`fresh`), or else add to the district rows
    what changed in the contracts' own rows — a refresh costs the same whatever the number of contracts per district."""
    changes = _Changes()
    grades = _grade_deltas()
    spans = _span_deltas()
    for i in range(0, len(ids), BATCH):
        _recompute_contracts(ids[i:i + BATCH], fresh, changes)
        _recompute_grades(ids[i:i + BATCH], fresh, grades)
        if not fresh:  # a rebuild counts every contract's months at once (rebuild_spans)
            _recompute_spans(ids[i:i + BATCH], spans)
    if fresh:
        _insert_group_rows()
    else:
        changes.apply()
        _apply_spans(spans)
    _apply_grades(grades)


# --- contract rows -------------------------------------------------------------------------------------------------


CONTRACT_FIELDS = ["contract_id", "station_id", "district_id", "indicator_id", "first_month", "last_month",
                   "counted_last", "total", "month", "cumulative", "quarter_value", "target", "elapsed", "gap"]
PERIOD_FIELDS = [f"{name}_id" if name in ("district", "indicator") else name for name in PERIOD]
GROUP_FIELDS = [f for f in PERIOD_FIELDS if f != "indicator_id"]  # a district × period


def _recompute_contracts(ids: list[int], fresh: bool, changes: _Changes) -> None:
    """Replace the contracts' rows, noting in `changes` what they were and are (unless `fresh`)."""
    from stations.models import Contract

    if not fresh:
        old = ContractMonthFigure.objects.filter(contract_id__in=ids)
        for row in old.values_list(*PERIOD_FIELDS, "month", "cumulative", "quarter_value", "target"):
            changes.add(row, -1)
        old.delete()
    stock = set(IndicatorDefinition.objects.filter(accumulation=STOCK).values_list("pk", flat=True))
    targets: dict[tuple[int, int], Decimal] = {
        (c, i): v for c, i, v in Target.objects.filter(contract_id__in=ids).values_list("contract_id", "indicator_id")
        .annotate(v=Sum("value")).order_by()
    }
    actuals = defaultdict(list)  # (contract, indicator) → [(片区, month, value)] by month
    for c, i, a, m, v in (MonthlyActual.objects.filter(contract_id__in=ids)
                          .values_list("contract_id", "indicator_id", "service_area_id", "month", "value")
                          .order_by("contract_id", "indicator_id", "month")):
        actuals[(c, i)].append((a, m, v))
    indicators_of = defaultdict(set)
    for c, i in list(targets) + list(actuals):
        indicators_of[c].add(i)
    rows = []
    contracts = (Contract.objects.filter(pk__in=ids)
                 .values_list("pk", "station_id", "station__street__district_id", "start_date", "end_date"))
    for pk, station, district, start, end in contracts:
        first, last, counted_last, total = period_of(start, end)
        months = calendar_months(start, end)
        paces = [contract_pace(start, end, month_end(m)) for m in months]
        for indicator in sorted(indicators_of[pk]):
            target = targets.get((pk, indicator))
            is_stock = indicator in stock
            series = _series(actuals.get((pk, indicator), []), months, is_stock)
            for m, pace, (cumulative, quarter_value) in zip(months, paces, series, strict=True):
                rows.append((pk, station, district, indicator, first, last, counted_last, total, m, cumulative,
                             quarter_value, target, pace.elapsed, _gap(cumulative, target, pace, is_stock)))
    insert_rows(ContractMonthFigure, CONTRACT_FIELDS, rows)
    if not fresh:
        for row in rows:  # CONTRACT_FIELDS → PERIOD_FIELDS, month, cumulative, quarter_value, target
            changes.add((row[2], row[3], *row[4:8], *row[8:12]), +1)


# --- finalised evaluations per grade ------------------------------------------------------------------------------


GRADE_KEY = ["district_id", "year", "grade"]
GRADE_FIELDS = ["contract_id", *GRADE_KEY, "evaluations", "total_score"]


def _grade_deltas() -> dict[tuple, dict]:
    """What recomputed contracts add to / take from each district row, per (district, year, grade)."""
    return defaultdict(lambda: {"evaluations": 0, "total_score": Decimal(0)})


def rebuild_grades() -> int:
    """Recompute the grade tables alone (migration 0004: they start from the evaluations already finalised)."""
    from reports.models import Evaluation

    with transaction.atomic():
        ContractGrade.objects.all().delete()
        DistrictGrade.objects.all().delete()
        ids = sorted(set(Evaluation.objects.filter(status=Evaluation.Status.FINALISED)
                         .values_list("contract_id", flat=True)))
        grades = _grade_deltas()
        for i in range(0, len(ids), BATCH):
            _recompute_grades(ids[i:i + BATCH], True, grades)
        _apply_grades(grades)
    return len(ids)


def _recompute_grades(ids: list[int], fresh: bool, deltas: dict[tuple, dict]) -> None:
    """Replace the contracts' ContractGrade rows; add to `deltas` (district × year × grade) what they were and are."""
    from reports.models import Evaluation

    if not fresh:
        old = ContractGrade.objects.filter(contract_id__in=ids)
        for *key, n, total in old.values_list(*GRADE_KEY, "evaluations", "total_score"):
            deltas[tuple(key)]["evaluations"] -= n
            deltas[tuple(key)]["total_score"] -= total
        old.delete()
    rows = list(
        Evaluation.objects.filter(contract_id__in=ids, status=Evaluation.Status.FINALISED)
        .annotate(year=ExtractYear("date"))
        .values_list("contract_id", "contract__station__street__district_id", "year", "grade")
        .annotate(n=Count("pk"), total=Sum("total_score")).order_by()
    )
    insert_rows(ContractGrade, GRADE_FIELDS, rows)
    for _, *key, n, total in rows:
        deltas[tuple(key)]["evaluations"] += n
        deltas[tuple(key)]["total_score"] += total


def _apply_grades(deltas: dict[tuple, dict]) -> None:
    deltas = {k: v for k, v in deltas.items() if v["evaluations"] or v["total_score"]}
    if deltas:
        scope = Q(year__in={k[1] for k in deltas}, district_id__in={k[0] for k in deltas})
        _apply_deltas(DistrictGrade, GRADE_KEY, scope, deltas, count_field="evaluations")


# --- contracts in effect per district × month ----------------------------------------------------------------------


SPAN_FIELDS = ["contract_id", "station_id", "district_id", "first_month", "last_month"]
SPAN_KEY = ["district_id", "month"]


def _span_deltas() -> dict[tuple, dict]:
    return defaultdict(lambda: {"contracts": 0, "stations": 0})


def _contract_spans(contracts) -> list[tuple]:
    """SPAN_FIELDS of the contracts (a Contract queryset) as they are now."""
    return [(pk, station, district, month_start(start), month_start(end)) for pk, station, district, start, end
            in contracts.values_list("pk", "station_id", "station__street__district_id", "start_date", "end_date")]


def _count_spans(spans, deltas: dict[tuple, dict], sign: int) -> None:
    """Add (sign +1) or take out (−1) the spans' contracts and stations per (district, month): a station counts once in
    a month however many of its contracts are in effect in it."""
    covered = defaultdict(set)  # station → {(district, month)}
    for _, station, district, first, last in spans:
        month = first
        while month <= last:
            deltas[(district, month)]["contracts"] += sign
            covered[station].add((district, month))
            month = add_months(month, 1)
    for cells in covered.values():
        for key in cells:
            deltas[key]["stations"] += sign


def _recompute_spans(ids: list[int], deltas: dict[tuple, dict]) -> None:
    """Replace the contracts' ContractSpan rows; add to `deltas` what the stations concerned (the contracts' stations
    before and after) counted before and count now: all of their contracts, since a station counts once a month."""
    from stations.models import Contract

    new = _contract_spans(Contract.objects.filter(pk__in=ids))
    old = ContractSpan.objects.filter(contract_id__in=ids)
    stations = set(old.values_list("station_id", flat=True)) | {span[1] for span in new}
    of_stations = ContractSpan.objects.filter(station_id__in=stations).values_list(*SPAN_FIELDS)
    _count_spans(list(of_stations.all()), deltas, -1)
    old.delete()
    insert_rows(ContractSpan, SPAN_FIELDS, new)
    _count_spans(list(of_stations.all()), deltas, +1)  # .all(): read again, not the cached rows


def _apply_spans(deltas: dict[tuple, dict]) -> None:
    deltas = {k: v for k, v in deltas.items() if v["contracts"] or v["stations"]}
    if deltas:
        scope = Q(month__in={k[1] for k in deltas}, district_id__in={k[0] for k in deltas})
        _apply_deltas(DistrictMonthContracts, SPAN_KEY, scope, deltas)


def rebuild_spans() -> int:
    """Recompute ContractSpan and DistrictMonthContracts from every contract (a rebuild; migration 0005)."""
    from stations.models import Contract

    with transaction.atomic():
        ContractSpan.objects.all().delete()
        DistrictMonthContracts.objects.all().delete()
        spans = _contract_spans(Contract.objects.order_by("pk"))
        insert_rows(ContractSpan, SPAN_FIELDS, spans)
        counts = _span_deltas()
        _count_spans(spans, counts, +1)
        insert_rows(DistrictMonthContracts, [*SPAN_KEY, "contracts", "stations"],
                    [(*key, c["contracts"], c["stations"]) for key, c in sorted(counts.items())])
    return len(spans)


def in_effect(districts, cutoff: date) -> dict[int, tuple[int, int]]:
    """district → (contracts, stations) in effect at the cut-off, a month's last day (as oversight.rollups.cutoff_for
    gives it; oversight.rollups.contracts_in_effect, counted): one query on a dozen rows a year per district, however
    many stations. A month's rows hold the contracts in effect at its last day: another day would count wrongly."""
    if cutoff != month_end(cutoff):
        raise ValueError(f"截止日期须为月末：{cutoff:%Y-%m-%d}")
    refresh()
    rows = DistrictMonthContracts.objects.filter(month=month_start(cutoff))
    if districts is not None:
        rows = rows.filter(district_id__in=list(districts))
    return {d: (c, s) for d, c, s in rows.values_list("district_id", "contracts", "stations")}


def _quarter(m: date) -> tuple[int, int]:
    return m.year, (m.month - 1) // 3


def _series(values: list[tuple[int | None, date, Decimal]], months: list[date], is_stock: bool):
    """(完成量 to the month's end, the quarter's 完成量 to the month's end) for each month; None before any data.

    values: (片区, month, value) ordered by month. Flow: sums. Stock: each 片区's latest value (overall; within the
    quarter), summed over 片区."""
    out = []
    pending = iter(values)
    upcoming = next(pending, None)
    total, quarter_total = None, None
    latest: dict[int | None, Decimal] = {}
    quarter_latest: dict[int | None, Decimal] = {}
    seen_quarter = None
    for m in months:
        if _quarter(m) != seen_quarter:
            seen_quarter, quarter_total, quarter_latest = _quarter(m), None, {}
        while upcoming is not None and upcoming[1] <= m:
            area, month, value = upcoming
            if is_stock:
                latest[area] = value
                if _quarter(month) == seen_quarter:
                    quarter_latest[area] = value
            else:
                total = value if total is None else total + value
                if _quarter(month) == seen_quarter:
                    quarter_total = value if quarter_total is None else quarter_total + value
            upcoming = next(pending, None)
        if is_stock:
            out.append((sum(latest.values()) if latest else None,
                        sum(quarter_latest.values()) if quarter_latest else None))
        else:
            out.append((total, quarter_total))
    return out


def _gap(cumulative: Decimal | None, target: Decimal | None, pace, is_stock: bool) -> float | None:
    """As the per-station chart orders: 完成率 − 时间进度 (a stock indicator's pace is 100%); None without a target."""
    if not target:
        return None
    return float(cumulative or 0) / float(target) - (1.0 if is_stock else pace.elapsed / pace.total)


# --- district rows -------------------------------------------------------------------------------------------------


MONTH_KEY = [*PERIOD_FIELDS, "month"]


def _group(key: tuple) -> tuple:
    """(district, first, last, counted last month, total) of a district row's or target's key (indicator second)."""
    return (key[0], *key[2:6])


class _Changes:
    """What the recomputed contracts added to and removed from their district rows: per district row (period ×
    indicator × month) Σ 完成量, Σ the quarter's, how many contracts have each and how many contracts; per district
    target (period × indicator) Σ 协议量 and contracts. Applied under the refresh's lock (writers never touch district
    rows), exactly: Decimal sums, a row deleted when its last contract goes."""

    def __init__(self):
        self.months: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(
            ("cumulative", "cumulative_n", "quarter_value", "quarter_n", "contracts"), 0))
        self.targets: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(("target", "contracts"), 0))

    def add(self, row: tuple, sign: int) -> None:
        *period, month, cumulative, quarter_value, target = row
        cell = self.months[(*period, month)]
        for field, count, value in (("cumulative", "cumulative_n", cumulative),
                                    ("quarter_value", "quarter_n", quarter_value)):
            if value is not None:
                cell[field] += sign * value
                cell[count] += sign
        cell["contracts"] += sign
        if month == period[2] and target is not None:  # the contract's first month holds its target once
            cell = self.targets[tuple(period)]
            cell["target"] += sign * target
            cell["contracts"] += sign

    def apply(self) -> None:
        months = {k: v for k, v in self.months.items() if any(v.values())}
        targets = {k: v for k, v in self.targets.items() if any(v.values())}
        groups = sorted({_group(k) for k in [*months, *targets]}, key=repr)
        for i in range(0, len(groups), 50):
            chunk = set(groups[i:i + 50])
            scope = reduce(operator.or_, (Q(**dict(zip(GROUP_FIELDS, g, strict=True))) for g in chunk))
            _apply_deltas(DistrictMonthFigure, MONTH_KEY, scope,
                          {k: v for k, v in months.items() if _group(k) in chunk},
                          nullable={"cumulative": "cumulative_n", "quarter_value": "quarter_n"})
            _apply_deltas(DistrictTarget, PERIOD_FIELDS, scope,
                          {k: v for k, v in targets.items() if _group(k) in chunk})


def _apply_deltas(model, key_fields: list[str], scope: Q, deltas: dict[tuple, dict], nullable=None,
                  count_field: str = "contracts") -> None:
    """Add each key's deltas to the model's row with that key (created if missing, deleted when its `count_field`
    reaches 0). `nullable`: a sum → its count of contracts with a value; the sum is NULL when that count is 0."""
    if not deltas:
        return
    fields = list(next(iter(deltas.values())))
    k = len(key_fields)
    existing = {row[1:k + 1]: row for row in model.objects.filter(scope).values_list("pk", *key_fields, *fields)}
    changed, created, gone = [], [], []
    for key, delta in deltas.items():
        row = existing.get(key)
        values = {f: ((row[k + 1 + i] if row else None) or 0) + delta[f] for i, f in enumerate(fields)}
        for total, count in (nullable or {}).items():
            if values[count] == 0:
                values[total] = None
        if values[count_field] == 0:
            if row is not None:
                gone.append(row[0])
        elif row is None:
            created.append(model(**dict(zip(key_fields, key, strict=True)), **values))
        else:
            changed.append(model(pk=row[0], **values))
    model.objects.filter(pk__in=gone).delete()
    model.objects.bulk_update(changed, fields, batch_size=500)
    model.objects.bulk_create(created, batch_size=500)


def _insert_select(model, fields: list[str], queryset) -> None:
    """INSERT INTO the model's table SELECT the queryset (values_list of `fields`, in that order): one statement."""
    sql, params = queryset.query.sql_with_params()
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(f.removesuffix("_id")).column) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) {sql}", params)


def _insert_group_rows() -> None:
    """Every district row from the contract rows (a rebuild)."""
    rows = ContractMonthFigure.objects.all()
    _insert_select(
        DistrictMonthFigure, [*MONTH_KEY, "cumulative", "cumulative_n", "quarter_value", "quarter_n", "contracts"],
        rows.values_list(*MONTH_KEY)
        .annotate(c=Sum("cumulative"), cn=Count("cumulative"), v=Sum("quarter_value"), vn=Count("quarter_value"),
                  n=Count("pk")).order_by())
    # Σ 协议量: each contract's row of its first month (a period's contracts share it)
    _insert_select(
        DistrictTarget, [*PERIOD_FIELDS, "target", "contracts"],
        rows.filter(month=F("first_month"), target__isnull=False).values_list(*PERIOD_FIELDS)
        .annotate(t=Sum("target"), n=Count("pk")).order_by())

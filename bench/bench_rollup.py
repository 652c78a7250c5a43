"""Rollup benchmark (issue 10 §7): the city/province rollups on PostgreSQL at 40,000 stations × 1 year.

Creates its own database (BENCH_PG_DB, default ep_rollup, on postgres://postgres@127.0.0.1:5432), migrates it, and
writes: 11 districts, N streets/stations/running contracts (3 片区 each), a catalogue of 31 indicators (26 per 片区 of
which 2 stock, 5 station-wide), their targets, 12 monthly actuals per contract × 片区 × indicator (N=40,000:
40,000 × 12 × 83 = 39.8 M rows) written with COPY (psycopg2's copy_expert; the table's secondary indexes and foreign
keys are dropped for the load and rebuilt after it, as a bulk load does), and one finalised evaluation per contract.
The summary tables' triggers (oversight.summary_triggers) are off during the COPY and the tables are then built by
oversight.summary.rebuild() — what `manage.py rebuild_summary` does after such a load; its time is printed.

Then it times the median of --runs runs (after a warm-up run unless --no-warm) of each rollup the city dashboard and
charts call (oversight.rollups, oversight.dashboard.grade_distribution): completion per district × indicator × quarter
(flow indicators), the district comparison of one indicator, the same per quarter for one district, the grade
distribution per district, the stock indicators' rollup, a city quarterly trend, the first page of the per-station
pace chart; and what a write costs the next reader: one monthly actual changed, then summary.refresh(). A query
longer than BENCH_TIMEOUT_S (default 300) is cancelled and reported as such. Figures only, no assertions. The database
is dropped at the end unless --keep (--reuse measures a kept one again without loading).

    .venv/bin/python bench/bench_rollup.py [--stations 40000] [--runs 3] [--keep] [--reuse] [--no-warm]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = os.environ.get("BENCH_PG_DB", "ep_rollup")
os.environ["DATABASE_URL"] = f"{PG}/{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evalportal.settings.base")
os.environ["DEBUG"] = "false"  # as in production (DEBUG keeps every query's text)

TODAY = date(2025, 12, 31)
YEAR = 2025
DISTRICTS = ["越秀区", "海珠区", "荔湾区", "天河区", "白云区", "黄埔区", "番禺区", "花都区", "南沙区", "从化区", "增城区"]
AREAS = 3
AREA_FLOW, AREA_STOCK, STATION_FLOW = 24, 2, 5


def admin_connection():
    conn = psycopg2.connect(f"{PG}/postgres")
    conn.autocommit = True
    return conn


def create_database() -> None:
    conn = admin_connection()
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{DB}"')
        cur.execute(f'CREATE DATABASE "{DB}"')
    conn.close()


def drop_database() -> None:
    from django.db import connections

    connections.close_all()
    conn = admin_connection()
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{DB}"')
    conn.close()


class Lines(io.RawIOBase):
    """A read()-able stream of COPY text produced by a generator of strings (nothing held in memory)."""

    def __init__(self, chunks):
        self.chunks, self.buffer = iter(chunks), b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self.buffer) < size:
            try:
                self.buffer += next(self.chunks).encode()
            except StopIteration:
                break
        if size < 0:
            size = len(self.buffer)
        out, self.buffer = self.buffer[:size], self.buffer[size:]
        return out


def copy(cursor, table: str, columns: str, chunks) -> None:
    cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", Lines(chunks), size=1 << 16)


def build(n: int) -> dict:
    from django.db import connection, transaction

    from indicators.models import IndicatorDefinition
    from reports.models import Evaluation
    from stations.models import Contract, District, Organisation, ServiceArea, Station, Street

    timings = {}
    started = time.perf_counter()
    with transaction.atomic():
        districts = District.objects.bulk_create(
            [District(code=f"d{i}", name=name) for i, name in enumerate(DISTRICTS)])
        operator = Organisation.objects.create(name="基准测试承接机构", kind="operator")
        agency = Organisation.objects.create(name="基准测试评估机构", kind="evaluator")
        bureaus = Organisation.objects.bulk_create(
            [Organisation(name=f"{d.name}民政局（基准）", kind="bureau", district=d) for d in districts])
        streets = Street.objects.bulk_create(
            [Street(code=f"s{i}", district=districts[i % len(districts)], name=f"基准{i}街道") for i in range(n)],
            batch_size=5000)
        stations = Station.objects.bulk_create(
            [Station(code=f"st{i}", street=s, name=f"基准{i}街社工服务站") for i, s in enumerate(streets)],
            batch_size=5000)
        contracts = []
        for i, station in enumerate(stations):
            start = date(YEAR, 1, 1 + i % 28)
            end = date(YEAR + 1, 1, start.day) - timedelta(days=1)
            bureau = bureaus[i % len(districts)]
            contracts.append(Contract(code=f"c{i}", title=f"基准{i}项目", station=station, operator=operator,
                                      buyer=bureau, supervisor=bureau, start_date=start, end_date=end,
                                      budget=2400000, required_certified_staff=13, required_staff=20))
        contracts = Contract.objects.bulk_create(contracts, batch_size=5000)
        areas = ServiceArea.objects.bulk_create(
            [ServiceArea(contract=c, name=f"片区{a + 1}", order=a + 1) for c in contracts for a in range(AREAS)],
            batch_size=10000)
        indicators = []
        for k in range(AREA_FLOW + AREA_STOCK + STATION_FLOW):
            stock = AREA_FLOW <= k < AREA_FLOW + AREA_STOCK
            station_wide = k >= AREA_FLOW + AREA_STOCK
            indicators.append(IndicatorDefinition(
                code=f"bench_{k}", name=f"基准指标{k}", unit="人次" if not stock else "个",
                accumulation="stock" if stock else "flow", scope="station" if station_wide else "area", order=k))
        indicators = IndicatorDefinition.objects.bulk_create(indicators)
        Evaluation.objects.bulk_create([
            Evaluation(code=f"e{i}", contract=c, kind="midterm", date=date(YEAR, 6, 15), period_start=c.start_date,
                       period_end=date(YEAR, 5, 31), agency=agency, status="finalised",
                       total_score=55 + (i * 7) % 45, grade=_grade(55 + (i * 7) % 45))
            for i, c in enumerate(contracts)
        ], batch_size=5000)
    timings["organisations, stations, contracts, 片区, evaluations (bulk_create)"] = time.perf_counter() - started

    area_ids = {}
    for a in areas:
        area_ids.setdefault(a.contract_id, []).append(a.pk)
    area_inds = [i.pk for i in indicators if i.scope == "area"]
    station_inds = [i.pk for i in indicators if i.scope == "station"]
    contract_ids = [c.pk for c in contracts]

    def targets():
        for cid in contract_ids:
            lines = [f"{cid}\t{aid}\t{iid}\t{100 + (cid + iid) % 400}\t1\n" for aid in area_ids[cid] for iid in area_inds]
            lines += [f"{cid}\t\\N\t{iid}\t{1000 + (cid * iid) % 500}\t1\n" for iid in station_inds]
            yield "".join(lines)

    months = [date(YEAR, m, 1).isoformat() for m in range(1, 13)]
    stamp = "2025-12-31 12:00:00+08"

    def actuals():
        for cid in contract_ids:
            lines = [f"{cid}\t{aid}\t{iid}\t{m}\t{(cid + iid * 3 + k * 7) % 60}\t1\t\\N\t{stamp}\n"
                     for k, m in enumerate(months) for aid in area_ids[cid] for iid in area_inds]
            lines += [f"{cid}\t\\N\t{iid}\t{m}\t{(cid + iid + k) % 90}.5\t1\t\\N\t{stamp}\n"
                      for k, m in enumerate(months) for iid in station_inds]
            yield "".join(lines)

    from oversight import summary, summary_triggers

    summary_triggers.uninstall(connection)  # a bulk load: the summary is built once after it
    with connection.cursor() as django_cursor:
        cur = django_cursor.cursor  # the psycopg2 cursor underneath
        started = time.perf_counter()
        copy(cur, "indicators_target", "contract_id, service_area_id, indicator_id, value, version", targets())
        timings["targets (COPY)"] = time.perf_counter() - started

        # bulk load: secondary indexes and foreign keys of the actuals table off, rebuilt after the COPY
        cur.execute("""SELECT indexdef, indexname FROM pg_indexes WHERE tablename = 'indicators_monthlyactual'
                       AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))""")
        indexes = cur.fetchall()
        cur.execute("""SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                       WHERE conrelid = 'indicators_monthlyactual'::regclass AND contype IN ('f', 'u')""")
        constraints = cur.fetchall()
        for name, _ in constraints:
            cur.execute(f'ALTER TABLE indicators_monthlyactual DROP CONSTRAINT "{name}"')
        for _, name in indexes:
            cur.execute(f'DROP INDEX IF EXISTS "{name}"')
        started = time.perf_counter()
        copy(cur, "indicators_monthlyactual",
             "contract_id, service_area_id, indicator_id, month, value, version, updated_by_id, updated_at", actuals())
        timings["monthly actuals (COPY)"] = time.perf_counter() - started
        started = time.perf_counter()
        for definition, _ in indexes:
            cur.execute(definition)
        for name, definition in constraints:
            cur.execute(f'ALTER TABLE indicators_monthlyactual ADD CONSTRAINT "{name}" {definition}')
        timings["actuals' indexes and constraints rebuilt"] = time.perf_counter() - started
        started = time.perf_counter()
        cur.execute("VACUUM ANALYZE") if connection.get_autocommit() else cur.execute("ANALYZE")
        timings["ANALYZE"] = time.perf_counter() - started
    summary_triggers.install(connection)
    started = time.perf_counter()
    summary.rebuild()
    timings["summary tables built (oversight.summary.rebuild)"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        for table in ("oversight_contractmonthfigure", "oversight_districtmonthfigure", "oversight_districttarget"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            print(f"{table}: {cursor.fetchone()[0]:,} rows", flush=True)
    return timings


def _grade(score: int) -> str:
    return "excellent" if score >= 90 else "good" if score >= 80 else "pass" if score >= 60 else "fail"


def measure(runs: int, warm: bool = True) -> list[tuple[str, float, int, int]]:
    from django.db import OperationalError, connection
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext

    from indicators.models import IndicatorDefinition, MonthlyActual
    from oversight import summary
    from oversight.dashboard import grade_distribution
    from oversight.rollups import (
        completion_by_district,
        completion_by_district_quarter,
        cutoff_for,
        quarter_values,
        station_completion,
    )
    from stations.models import Contract, District

    cutoff = cutoff_for(TODAY)
    one = District.objects.order_by("code").first()
    all_districts = list(District.objects.values_list("pk", flat=True))
    indicators = IndicatorDefinition.objects.order_by("order")
    flow = [i.pk for i in indicators if i.accumulation == "flow"]
    stock = [i.pk for i in indicators if i.accumulation == "stock"]
    first = flow[0]
    indicator = IndicatorDefinition.objects.get(pk=first)
    actual = MonthlyActual.objects.filter(indicator=indicator).order_by("pk").first()

    def write_then_refresh():
        MonthlyActual.objects.filter(pk=actual.pk).update(value=F("value") + 1)
        return [summary.refresh()]

    cases = [
        ("completion per district × indicator × quarter (city, the 29 flow indicators)",
         lambda: completion_by_district_quarter(None, cutoff, flow)),
        ("district comparison, one flow indicator (city)", lambda: completion_by_district(None, cutoff, [first])),
        (f"completion per indicator × quarter, one district ({one.name}, flow indicators)",
         lambda: completion_by_district_quarter([one.pk], cutoff, flow)),
        ("grade distribution per district (city)", lambda: grade_distribution(all_districts, YEAR)),
        (f"completion per district × quarter, the {len(stock)} stock indicators (city; each 片区's latest month)",
         lambda: completion_by_district_quarter(None, cutoff, stock)),
        ("quarterly trend of one indicator (city, 8 quarters)",
         lambda: quarter_values(indicator, date(YEAR - 1, 1, 1), cutoff)),
        ("pace chart, first page of 50 stations (city, one indicator)",
         lambda: list(station_completion(None, indicator, cutoff)[:50])),
        ("one monthly actual written, then the next reader's refresh", write_then_refresh),
    ]
    results = []
    print(f"data: {Contract.objects.count():,} contracts, {MonthlyActual.objects.count():,} monthly actuals",
          flush=True)
    with connection.cursor() as cursor:  # a case that cannot answer in minutes is reported as such, not waited for
        cursor.execute(f"SET statement_timeout = {int(os.environ.get('BENCH_TIMEOUT_S', '300')) * 1000}")
    for label, run in cases:
        try:
            if warm:
                run()  # warm (plans, caches)
        except OperationalError:
            print(f"{label}: cancelled by statement_timeout", flush=True)
            continue
        times = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                try:
                    rows = run()
                except OperationalError:
                    rows = None
                times.append(time.perf_counter() - started)
        if rows is None:
            print(f"{label}: cancelled by statement_timeout after {times[-1]:.0f} s", flush=True)
            continue
        results.append((label, statistics.median(times), len(ctx.captured_queries), len(rows)))
        print(f"{label}: median {statistics.median(times):.3f} s over {runs} runs "
              f"(min {min(times):.3f}, max {max(times):.3f}), {len(ctx.captured_queries)} queries, {len(rows)} rows",
              flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=40_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database (for EXPLAIN or a second run)")
    parser.add_argument("--reuse", action="store_true", help="measure on the kept database without loading")
    parser.add_argument("--no-warm", action="store_true", help="no warm-up run before the timed ones")
    args = parser.parse_args()
    if not args.reuse:
        create_database()
    import django

    django.setup()
    from django.core.management import call_command

    try:
        if not args.reuse:
            started = time.perf_counter()
            call_command("migrate", verbosity=0)
            print(f"migrate: {time.perf_counter() - started:.1f} s", flush=True)
            for label, seconds in build(args.stations).items():
                print(f"load, {label}: {seconds:.1f} s", flush=True)
        measure(args.runs, warm=not args.no_warm)
    finally:
        if not args.keep:
            drop_database()


if __name__ == "__main__":
    main()

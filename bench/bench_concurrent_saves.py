"""Concurrent quarter saves benchmark (issue 9 §6): the issue's measurement, repeatable.

Issue 9 reported that on SQLite, with the background worker running, 11 of 30 concurrent quarter saves answered
HTTP 500 "database is locked" (PostgreSQL: 0). This script runs that situation for real and prints what happened:
a fresh database (migrated, demo data loaded, one report bundle queued so that the worker writes meanwhile),
gunicorn (gthread) serving evalportal.wsgi, `manage.py run_worker`, and N people (each with their own session, as
street_xicun) saving their own cell of /contracts/xicun-2024/quarters/2025-Q2/ R times, all released together.

Printed: the HTTP status of every save (302 = saved), latency percentiles, saves lost (a cell not holding its
saver's last value), "database is locked" lines in the server and worker logs, and the bundle's final state.
Figures only, no assertions (tests/evalportal/test_concurrent_writers.py asserts 0 errors and no lost save for 10
writers, on SQLite and on PostgreSQL). The site is started by tests/live_site.py, as in that test.

Usage:
    .venv/bin/python bench/bench_concurrent_saves.py [--savers 30] [--rounds 3] [--workers 3] [--threads 4]
    .venv/bin/python bench/bench_concurrent_saves.py --database-url postgres://postgres@127.0.0.1:5432/ep_bench_saves

A PostgreSQL database named in --database-url is DROPPED and created again: give it a throw-away name.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live_site import CELL_RE, QUARTER_URL, Browser, LiveSite, postgres_recreate  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--savers", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per process")
    parser.add_argument("--database-url", default="", help="default: a SQLite file in a temporary directory")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="evalportal-bench-saves-"))
    url = args.database_url or f"sqlite:///{tmp / 'db.sqlite3'}"
    if url.startswith("postgres"):
        postgres_recreate(url)
    site = LiveSite(tmp, url, workers=args.workers, threads=args.threads, timeout=180, manage_timeout=600)
    site.prepare()
    try:
        site.start()
        browsers = [Browser(site.base, timeout=180) for _ in range(args.savers)]
        for browser in browsers:
            browser.login("street_xicun")
        _, page = browsers[0].request(QUARTER_URL)
        cells = list(dict.fromkeys(re.findall(CELL_RE, page)))[: args.savers]
        if len(cells) < args.savers:
            raise SystemExit(f"only {len(cells)} editable cells on {QUARTER_URL}")

        barrier = threading.Barrier(args.savers)
        results: list[tuple[int, float]] = []
        lock = threading.Lock()

        def save(i: int) -> None:
            barrier.wait()
            for round_ in range(1, args.rounds + 1):
                started = time.monotonic()
                code, _ = browsers[i].request(QUARTER_URL, {cells[i]: str(10 * i + round_), "action": "save"})
                with lock:
                    results.append((code, time.monotonic() - started))

        threads = [threading.Thread(target=save, args=(i,)) for i in range(args.savers)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started

        # what each cell holds now, read back through the ORM of a fresh process
        check = site.manage("shell", "-v0", "-c", (
            "from indicators.models import MonthlyActual; import datetime; "
            f"cells = {cells!r}; lost = 0\n"
            "for i, cell in enumerate(cells):\n"
            "    _, area, indicator, month = cell.split('-')\n"
            "    row = MonthlyActual.objects.filter(contract__code='xicun-2024', indicator_id=int(indicator), "
            "service_area_id=None if area == '0' else int(area), "
            "month=datetime.date(int(month[:4]), int(month[4:]), 1)).first()\n"
            f"    lost += row is None or row.value != 10 * i + {args.rounds}\n"
            "print(lost)\n"
        )).split()
        # the worker's bundle: it was being built while the saves ran; wait for it to end (at most 5 minutes)
        status = site.wait_for_bundle(300)
    finally:
        site.stop()
    locked_lines = {name: site.log(name).count("database is locked") for name in site.logs}
    codes = Counter(code for code, _ in results)
    latencies = [seconds for _, seconds in results]
    engine = "PostgreSQL" if url.startswith("postgres") else "SQLite (WAL, busy timeout, BEGIN IMMEDIATE)"
    print(f"{engine}: {args.savers} savers × {args.rounds} saves, gunicorn {args.workers}×{args.threads} threads, "
          f"worker building a bundle")
    print(f"  answers: {dict(sorted(codes.items()))}  (302 = saved; {len(results) - codes.get(302, 0)} not saved)")
    print(f"  latency: median {statistics.median(latencies):.2f} s, p95 {percentile(latencies, 95):.2f} s, "
          f"max {max(latencies):.2f} s; all saves done in {elapsed:.1f} s")
    print(f"  saves lost: {check[-1]} of {args.savers} cells; 'database is locked' in logs: {locked_lines}")
    print(f"  report bundle built meanwhile: {status}")
    print(f"  logs: {tmp}")


if __name__ == "__main__":
    main()

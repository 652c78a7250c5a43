"""Concurrent quarter saves benchmark (issue 9 §6): the issue's measurement, repeatable.

Issue 9 reported that on SQLite, with the background worker running, 11 of 30 concurrent quarter saves answered
HTTP 500 "database is locked" (PostgreSQL: 0). This script runs that situation for real and prints what happened:
a fresh database (migrated, demo data loaded, one report bundle queued so that the worker writes meanwhile),
gunicorn (gthread) serving evalportal.wsgi, `manage.py run_worker`, and N people (each with their own session, as
street_xicun) saving their own cell of /contracts/xicun-2024/quarters/2025-Q2/ R times, all released together.

Printed: the HTTP status of every save (302 = saved), latency percentiles, saves lost (a cell not holding its
saver's last value), "database is locked" lines in the server and worker logs, and the bundle's final state.
Figures only, no assertions (tests/evalportal/test_sqlite_concurrency.py asserts 0 errors for 10 savers).

Usage:
    .venv/bin/python bench/bench_concurrent_saves.py [--savers 30] [--rounds 3] [--workers 3] [--threads 4]
    .venv/bin/python bench/bench_concurrent_saves.py --database-url postgres://postgres@127.0.0.1:5432/ep_bench_saves

A PostgreSQL database named in --database-url is DROPPED and created again: give it a throw-away name.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUARTER_URL = "/contracts/xicun-2024/quarters/2025-Q2/"
DEMO_PASSWORD = "evalportal-demo"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person's session: cookies, CSRF token, no automatic redirects."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = None
        if data is not None:
            token = next(c.value for c in self.jar if c.name == "csrftoken")
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        req = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        try:
            with self.opener.open(req, timeout=180) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def login(self, username: str) -> None:
        self.request("/accounts/login/")
        status, _ = self.request("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
        if status != 302:
            raise SystemExit(f"login of {username} answered {status}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def recreate_postgres(url: str) -> None:
    import psycopg2

    parsed = urllib.parse.urlparse(url)
    name = parsed.path.lstrip("/")
    admin = psycopg2.connect(dbname="postgres", user=parsed.username or "postgres", password=parsed.password,
                             host=parsed.hostname, port=parsed.port or 5432)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()


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
        recreate_postgres(url)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "evalportal.settings.test",
           "MEDIA_ROOT": str(tmp / "media"), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    def manage(*command: str) -> str:
        return subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True, timeout=600).stdout

    manage("migrate", "-v0")
    manage("load_demo", "-v0")
    manage("shell", "-c", (
        "from reports.models import ReportBundle; from stations.models import District, User; import datetime; "
        "ReportBundle.objects.create(requested_by=User.objects.get(username='bureau_liwan'), "
        "district=District.objects.get(code='liwan'), period_from=datetime.date(2024, 1, 1), "
        "period_to=datetime.date(2025, 12, 31))"
    ))
    port = free_port()
    logs = {name: open(tmp / f"{name}.log", "w+") for name in ("server", "worker")}
    processes = [
        subprocess.Popen([sys.executable, "-m", "gunicorn", "evalportal.wsgi:application", "--bind",
                          f"127.0.0.1:{port}", "--workers", str(args.workers), "--threads", str(args.threads),
                          "--worker-class", "gthread", "--timeout", "180"],
                         cwd=ROOT, env=env, stdout=logs["server"], stderr=subprocess.STDOUT),
        subprocess.Popen([sys.executable, "manage.py", "run_worker", "--poll", "0.2"],
                         cwd=ROOT, env=env, stdout=logs["worker"], stderr=subprocess.STDOUT),
    ]
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/accounts/login/", timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.3)
        browsers = [Browser(base) for _ in range(args.savers)]
        for browser in browsers:
            browser.login("street_xicun")
        _, page = browsers[0].request(QUARTER_URL)
        cells = list(dict.fromkeys(re.findall(r'name="(c-\d+-\d+-\d{6})"', page)))[: args.savers]
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
        check = manage("shell", "-v0", "-c", (
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
        deadline = time.monotonic() + 300
        while True:
            status = manage("shell", "-v0", "-c", "from reports.models import ReportBundle; "
                                                  "print(ReportBundle.objects.get().status)").split()[-1]
            if status in ("done", "failed") or time.monotonic() > deadline:
                break
            time.sleep(2)
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
    locked_lines = {name: Path(log.name).read_text(errors="replace").count("database is locked")
                    for name, log in logs.items()}
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

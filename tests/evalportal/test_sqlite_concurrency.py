"""The embedded database under ordinary concurrent use (issue 9 §6): ten people saving quarter data at the same moment
on SQLite, while the background worker builds a report bundle, get no error and lose no save.

The test suite's own SQLite database lives in memory and is private to one connection, so this test runs the real
thing in subprocesses: a file database (migrated, demo data loaded), gunicorn with several processes and threads, and
`manage.py run_worker`. Ten threads, each with its own session, log in and save their own cell three times, all
released together by a barrier. Skipped on PostgreSQL (its row locks are tested in tests/indicators/test_concurrency.py).
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from unittest import skipUnless

from django.conf import settings
from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parents[2]
SAVERS = 10
ROUNDS = 3
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

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = None
        if data is not None:
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}).encode()
        req = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        try:
            with self.opener.open(req, timeout=120) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def login(self, username: str) -> None:
        self.request("/accounts/login/")
        status, _ = self.request("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
        assert status == 302, f"login of {username} answered {status}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@skipUnless(settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"), "SQLite only: the embedded default database")
class SqliteConcurrentSaveTests(SimpleTestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="evalportal-sqlite-")
        self.addCleanup(self.tmp.cleanup)
        tmp = Path(self.tmp.name)
        self.db = tmp / "db.sqlite3"
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{self.db}",
            "DJANGO_SETTINGS_MODULE": "evalportal.settings.test",
            "MEDIA_ROOT": str(tmp / "media"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.manage("migrate", "-v0")
        self.manage("load_demo", "-v0")
        self.manage("shell", "-c", (
            "from reports.models import ReportBundle; from stations.models import District, User; import datetime; "
            "ReportBundle.objects.create(requested_by=User.objects.get(username='bureau_liwan'), "
            "district=District.objects.get(code='liwan'), period_from=datetime.date(2024, 1, 1), "
            "period_to=datetime.date(2025, 12, 31))"
        ))
        self.port = free_port()
        self.logs = {name: open(tmp / f"{name}.log", "w+") for name in ("server", "worker")}
        for log in self.logs.values():
            self.addCleanup(log.close)
        self.server = self.spawn(
            [sys.executable, "-m", "gunicorn", "evalportal.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "3", "--threads", "4", "--worker-class", "gthread", "--timeout", "120"], "server",
        )
        self.worker = self.spawn([sys.executable, "manage.py", "run_worker", "--poll", "0.2"], "worker")
        self.wait_for_server()

    def manage(self, *args: str) -> None:
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True,
                       capture_output=True, timeout=300)

    def spawn(self, command: list[str], name: str) -> subprocess.Popen:
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self.logs[name], stderr=subprocess.STDOUT)

        def stop() -> None:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

        self.addCleanup(stop)
        return process

    def wait_for_server(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/accounts/login/", timeout=5) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        self.fail("gunicorn did not start: " + self.read_log("server"))

    def read_log(self, name: str) -> str:
        self.logs[name].flush()
        return Path(self.logs[name].name).read_text(errors="replace")

    def bundle_status(self) -> str:
        with sqlite3.connect(self.db, timeout=30) as db:
            return db.execute("SELECT status FROM reports_reportbundle").fetchone()[0]

    def test_ten_concurrent_savers_with_the_worker_running_get_no_error_and_lose_nothing(self):
        base = f"http://127.0.0.1:{self.port}"
        browsers = [Browser(base) for _ in range(SAVERS)]
        for browser in browsers:
            browser.login("street_xicun")
        status, page = browsers[0].request(QUARTER_URL)
        self.assertEqual(status, 200)
        cells = list(dict.fromkeys(re.findall(r'name="(c-\d+-\d+-\d{6})"', page)))
        self.assertGreaterEqual(len(cells), SAVERS)
        cells = cells[:SAVERS]

        barrier = threading.Barrier(SAVERS)
        statuses: list[list[int]] = [[] for _ in range(SAVERS)]

        def save(i: int) -> None:
            barrier.wait()
            for round_ in range(1, ROUNDS + 1):
                code, _ = browsers[i].request(QUARTER_URL, {cells[i]: str(10 * i + round_), "action": "save"})
                statuses[i].append(code)

        threads = [threading.Thread(target=save, args=(i,)) for i in range(SAVERS)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        elapsed = time.monotonic() - started

        # Every save answered the redirect after success: no 500, no conflict (each person saves their own cell).
        self.assertEqual(statuses, [[302] * ROUNDS] * SAVERS, self.read_log("server")[-3000:])
        # No save lost: each cell holds its saver's last value, at version ROUNDS (+ the demo's own if it had one).
        with sqlite3.connect(self.db, timeout=30) as db:
            self.assertEqual(db.execute("PRAGMA journal_mode").fetchone()[0], "wal")
            contract_id = db.execute("SELECT id FROM stations_contract WHERE code = 'xicun-2024'").fetchone()[0]
            for i, cell in enumerate(cells):
                _, area, indicator, month = cell.split("-")
                row = db.execute(
                    "SELECT value FROM indicators_monthlyactual WHERE contract_id = ? AND indicator_id = ? AND "
                    "month = ? AND " + ("service_area_id IS NULL" if area == "0" else "service_area_id = ?"),
                    [contract_id, int(indicator), f"{month[:4]}-{month[4:]}-01"] + ([] if area == "0" else [int(area)]),
                ).fetchone()
                with self.subTest(cell=cell):
                    self.assertIsNotNone(row)
                    self.assertEqual(float(row[0]), 10 * i + ROUNDS)
        # The worker went on building its bundle meanwhile, without a database error.
        deadline = time.monotonic() + 240
        while self.bundle_status() not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.5)
        self.assertEqual(self.bundle_status(), "done", self.read_log("worker")[-3000:])
        for name in ("server", "worker"):
            self.assertNotIn("database is locked", self.read_log(name))
        print(f"\n{SAVERS} savers × {ROUNDS} saves on SQLite with the worker running: {elapsed:.1f} s, 0 errors")

"""Ten concurrent writers (issue 9 §6, issue 13 §5) on the database the suite runs on, SQLite or PostgreSQL: no error,
conflicts answered as conflicts (409 with the other person's value, never a 500), and no lost save: every
acknowledged save is in the database and in the audit trail, while the background worker builds a report bundle.

The test suite's own database is private to its connection (SQLite in memory, PostgreSQL inside a transaction), so
this test runs the real thing in subprocesses: its own database (a file for SQLite; `<test database>_writers` on
the same PostgreSQL server), migrated with the demo data, gunicorn with several processes and threads, and
`manage.py run_worker`. Ten threads, each with its own session, are released together by a barrier; each, three
times, reads the quarter page and saves
- its own cell, with the version it read (different cells: every save must succeed), then
- one cell shared by all ten, with the version it read (same cell: one wins each race, the others get 409).
The shared cell's audit entries must then form one chain (each old value is the previous new value): nobody
overwrote a save without having seen it.
"""

from __future__ import annotations

import json
import re
import tempfile
import threading
import time
import urllib.parse
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

from tests.live_site import CELL_RE, QUARTER_URL, Browser, LiveSite, postgres_drop, postgres_recreate

WRITERS = 10
ROUNDS = 3

# Run in a subprocess with the test's database: the state of the given cells (value, version) and their audit trail.
REPORT = """
import json, os
from datetime import date
from indicators.models import MonthlyActual
from stations.models import AuditEntry, Contract
contract = Contract.objects.get(code="xicun-2024")
out = {}
for cell in json.loads(os.environ["WRITERS_CELLS"]):
    _, area, indicator, month = cell.split("-")
    key = dict(contract=contract, indicator_id=int(indicator), month=date(int(month[:4]), int(month[4:]), 1),
               service_area_id=None if area == "0" else int(area))
    row = MonthlyActual.objects.filter(**key).first()
    audit = AuditEntry.objects.filter(subject=AuditEntry.Subject.ACTUAL, **key).order_by("id")
    out[cell] = {"value": str(row.value) if row else None, "version": row.version if row else 0,
                 "audit": [[a.old_value, a.new_value, a.source] for a in audit]}
print(json.dumps(out))
"""


def cell_state(page: str, cell: str) -> tuple[str, str]:
    """(value, version) of a cell as the quarter page shows it."""
    value = re.search(rf'name="{cell}"[^>]*value="([^"]*)"', page)
    version = re.search(rf'name="v-{cell}" value="(\d+)"', page)
    assert value and version, f"{cell} not on the page"
    return value.group(1), version.group(1)


def number(text: str | None) -> Decimal | None:
    return Decimal(text.replace(",", "")) if text not in (None, "") else None


class ConcurrentWritersTests(SimpleTestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="evalportal-writers-")
        self.addCleanup(self.tmp.cleanup)
        tmp = Path(self.tmp.name)
        self.sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
        self.site = LiveSite(tmp, f"sqlite:///{tmp / 'db.sqlite3'}" if self.sqlite else self.postgres_database())
        self.site.prepare()
        self.addCleanup(self.site.stop)
        self.site.start()

    def postgres_database(self) -> str:
        """A database of its own next to the test database, dropped afterwards."""
        db = settings.DATABASES["default"]
        name = f"{db['NAME']}_writers"[:63]
        auth = db["USER"] + (f":{urllib.parse.quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
        url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
        postgres_recreate(url)
        self.addCleanup(postgres_drop, url)
        return url

    def report(self, cells: list[str]) -> dict:
        return json.loads(self.site.manage("shell", "-c", REPORT, WRITERS_CELLS=json.dumps(cells))
                          .strip().splitlines()[-1])

    def test_ten_concurrent_writers_get_no_error_and_lose_no_save(self):
        browsers = [Browser(self.site.base) for _ in range(WRITERS)]
        for browser in browsers:
            browser.login("street_xicun")
        status, page = browsers[0].request(QUARTER_URL)
        self.assertEqual(status, 200)
        cells = list(dict.fromkeys(re.findall(CELL_RE, page)))
        self.assertGreaterEqual(len(cells), WRITERS + 1)
        own, shared = cells[:WRITERS], cells[WRITERS]
        before = self.report(cells[:WRITERS + 1])

        barrier = threading.Barrier(WRITERS)
        answers: list[list[tuple[str, int, str, str]]] = [[] for _ in range(WRITERS)]  # (cell, status, sent, body)
        crashes: list[BaseException] = []

        def save(browser: Browser, cell: str, page: str, value: str, log: list) -> None:
            original, version = cell_state(page, cell)
            code, body = browser.request(QUARTER_URL, {
                cell: value, f"o-{cell}": original, f"v-{cell}": version, "action": "save",
            })
            log.append((cell, code, value, body))

        def write(i: int) -> None:
            try:
                barrier.wait()
                for round_ in range(1, ROUNDS + 1):
                    _, page = browsers[i].request(QUARTER_URL)
                    save(browsers[i], own[i], page, str(100 * (i + 1) + round_), answers[i])
                    _, page = browsers[i].request(QUARTER_URL)
                    save(browsers[i], shared, page, str(10_000 + 100 * (i + 1) + round_), answers[i])
            except BaseException as exc:  # reported below
                crashes.append(exc)

        threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        elapsed = time.monotonic() - started
        self.assertEqual(crashes, [])
        server_log = self.site.log("server")[-3000:]

        # Own cells: every save acknowledged (302 to the page), nobody else writes them.
        for i in range(WRITERS):
            self.assertEqual([code for cell, code, _, _ in answers[i] if cell == own[i]], [302] * ROUNDS, server_log)
        # The shared cell: acknowledged (302) or refused as a conflict (409 naming the other person's value).
        shared_answers = [a for log in answers for a in log if a[0] == shared]
        self.assertEqual(len(shared_answers), WRITERS * ROUNDS)
        for _, code, _, body in shared_answers:
            self.assertIn(code, (302, 409), server_log)
            if code == 409:
                self.assertIn("保存未成功：其他人在您打开本页后修改了 1 个单元格", body)
                self.assertIn("已改为", body)
        acknowledged = [value for _, code, value, _ in shared_answers if code == 302]
        self.assertGreaterEqual(len(acknowledged), 1)

        after = self.report(cells[:WRITERS + 1])
        for i, cell in enumerate(own):
            with self.subTest(cell=cell):
                state, start = after[cell], before[cell]
                self.assertEqual(number(state["value"]), 100 * (i + 1) + ROUNDS)
                self.assertEqual(state["version"], start["version"] + ROUNDS)
                new = state["audit"][len(start["audit"]):]
                self.assertEqual([number(n) for _, n, _ in new], [100 * (i + 1) + r for r in range(1, ROUNDS + 1)])
        state, start = after[shared], before[shared]
        new = state["audit"][len(start["audit"]):]
        # every acknowledged save is in the audit trail, once, and nothing else is
        self.assertEqual(sorted(number(n) for _, n, _ in new), sorted(Decimal(v) for v in acknowledged))
        self.assertEqual(state["version"], start["version"] + len(acknowledged))
        self.assertEqual(number(state["value"]), number(new[-1][1]))
        # one chain: each save replaced the value its writer had seen (no blind overwrite)
        chain = [number(start["value"])] + [number(n) for _, n, _ in new]
        self.assertEqual([number(o) for o, _, _ in new], chain[:-1])

        # The worker went on building its bundle meanwhile, without a database error.
        self.assertEqual(self.site.wait_for_bundle(240), "done", self.site.log("worker")[-3000:])
        for name in ("server", "worker"):
            log = self.site.log(name)
            self.assertNotIn("database is locked", log)
            self.assertNotIn("Traceback", log)
        conflicts = WRITERS * ROUNDS - len(acknowledged)
        print(f"\n{WRITERS} writers × {ROUNDS} rounds (own cell + shared cell) on {'SQLite' if self.sqlite else 'PostgreSQL'}"
              f" with the worker running: {elapsed:.1f} s, {2 * WRITERS * ROUNDS} saves, {WRITERS * ROUNDS} + "
              f"{len(acknowledged)} acknowledged, {conflicts} conflicts (409), 0 errors, 0 lost")

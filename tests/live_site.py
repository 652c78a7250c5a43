"""The portal served for real, in subprocesses, for tests/evalportal/test_concurrent_writers.py and
bench/bench_concurrent_saves.py: a database of its own (migrated, demo data loaded, one report bundle queued so that the
worker writes while people save), gunicorn (gthread) serving evalportal.wsgi and `manage.py run_worker`, each logging
to a file in the site's folder; people as Browser sessions.

Standard library only (psycopg2 for a PostgreSQL database): the bench imports it without setting Django up.
"""

from __future__ import annotations

import http.cookiejar
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO_PASSWORD = "evalportal-demo"
QUARTER_URL = "/contracts/xicun-2024/quarters/2025-Q2/"
CELL_RE = r'name="(c-\d+-\d+-\d{6})"'  # an editable cell of the quarter page
QUEUE_BUNDLE = (
    "from reports.models import ReportBundle; from stations.models import District, User; import datetime; "
    "ReportBundle.objects.create(requested_by=User.objects.get(username='bureau_liwan'), "
    "district=District.objects.get(code='liwan'), period_from=datetime.date(2024, 1, 1), "
    "period_to=datetime.date(2025, 12, 31))"
)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person's session: cookies, CSRF token, no automatic redirects."""

    def __init__(self, base: str, *, timeout: float = 120) -> None:
        self.base = base
        self.timeout = timeout
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
            with self.opener.open(req, timeout=self.timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def login(self, username: str) -> None:
        self.request("/accounts/login/")
        status, _ = self.request("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
        if status != 302:
            raise AssertionError(f"login of {username} answered {status}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_admin(url: str, sql: str) -> None:
    """Run `sql` (CREATE or DROP DATABASE) on the PostgreSQL server of `url`, connected to its postgres database."""
    import psycopg2

    parsed = urllib.parse.urlparse(url)
    connection = psycopg2.connect(
        dbname="postgres", user=parsed.username or "postgres", host=parsed.hostname, port=parsed.port or 5432,
        password=urllib.parse.unquote(parsed.password) if parsed.password else None,
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def postgres_recreate(url: str) -> None:
    """Drop the database named in `url` and create it empty."""
    name = urllib.parse.urlparse(url).path.lstrip("/")
    postgres_admin(url, f'DROP DATABASE IF EXISTS "{name}"')
    postgres_admin(url, f'CREATE DATABASE "{name}"')


def postgres_drop(url: str) -> None:
    name = urllib.parse.urlparse(url).path.lstrip("/")
    postgres_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class LiveSite:
    """gunicorn (`workers` processes × `threads` threads, requests cut off after `timeout` s) and the worker on
    `database_url`, with the test settings; media files and logs in `folder`. prepare(), start(), then stop() always
    (it also stops what a failed start left running)."""

    def __init__(self, folder: Path, database_url: str, *, workers: int = 3, threads: int = 4, timeout: int = 120,
                 manage_timeout: int = 300) -> None:
        self.folder = folder
        self.workers, self.threads, self.timeout, self.manage_timeout = workers, threads, timeout, manage_timeout
        self.env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "evalportal.settings.test",
                    "MEDIA_ROOT": str(folder / "media"), "PYTHONDONTWRITEBYTECODE": "1"}
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.logs = {name: folder / f"{name}.log" for name in ("server", "worker")}
        self.processes: list[tuple[subprocess.Popen, object]] = []

    def manage(self, *args: str, **env: str) -> str:
        """`manage.py …` in a fresh process on the site's database; its standard output."""
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**self.env, **env}, check=True,
                              capture_output=True, timeout=self.manage_timeout, text=True).stdout

    def prepare(self) -> None:
        """Migrate the (empty) database, load the demo data and queue a district's report bundle for the worker."""
        self.manage("migrate", "-v0")
        self.manage("load_demo", "-v0")
        self.manage("shell", "-c", QUEUE_BUNDLE)

    def start(self) -> None:
        self._spawn("server", [sys.executable, "-m", "gunicorn", "evalportal.wsgi:application", "--bind",
                               f"127.0.0.1:{self.port}", "--workers", str(self.workers), "--threads", str(self.threads),
                               "--worker-class", "gthread", "--timeout", str(self.timeout)])
        self._spawn("worker", [sys.executable, "manage.py", "run_worker", "--poll", "0.2"])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base}/accounts/login/", timeout=5) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise AssertionError("gunicorn did not start: " + self.log("server"))

    def _spawn(self, name: str, command: list[str]) -> None:
        log = open(self.logs[name], "w")  # closed by stop()
        self.processes.append((subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log,
                                                stderr=subprocess.STDOUT), log))

    def stop(self) -> None:
        while self.processes:
            process, log = self.processes.pop()
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()

    def log(self, name: str) -> str:
        """What the server or the worker has written so far."""
        return self.logs[name].read_text(errors="replace")

    def bundle_status(self) -> str:
        return self.manage("shell", "-c", "from reports.models import ReportBundle; "
                                          "print(ReportBundle.objects.get().status)").strip().splitlines()[-1]

    def wait_for_bundle(self, seconds: float) -> str:
        """The queued bundle's status once the worker has finished it (done or failed), or after `seconds`."""
        deadline = time.monotonic() + seconds
        while (status := self.bundle_status()) not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.5)
        return status

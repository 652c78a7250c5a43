"""Requests per second of the busiest pages against a bare view, through the same nginx + gunicorn stack (issue 13
§5), and against the site's empty layout behind login (what the signed-in stack costs by itself). A closed loop:
CONCURRENCY clients, each logged in as the page's user, request the page for SECONDS seconds.
Prints figures; it does not fail on them (timings on a shared 2-core machine are a measurement, not a test).

Everything runs on one machine, so the requests/s of a page is bounded by the CPU of every process on the path. For
each page it also prints the CPU time per request spent by the app servers (gunicorn), nginx, PostgreSQL and this
client, read from /proc before and after the page's run (Linux only; other processes are counted as "other"), and how
many gunicorn workers started during it: gunicorn recycles a worker after `max_requests` (deploy/gunicorn.conf.py), and
a new worker's start (importing the app, about 0.6 s of CPU) counts in the app CPU of whichever page is running then.
Such a page is printed as measured, then measured once more for the ratios.

Usage: throughput.py BASE CA_FILE
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import threading
import time

import requests

CONCURRENCY = 8
SECONDS = 6.0
PAGES = [
    ("bare view", None, "/_bench/bare"),
    ("bare view · logged in", "street_xicun", "/_bench/page"),  # the empty layout: the signed-in stack by itself
    ("home · street_xicun", "street_xicun", "/"),
    ("home · bureau_liwan", "bureau_liwan", "/"),
    ("home · evaluator_gzswa", "evaluator_gzswa", "/"),
    ("home · supervision_gz", "supervision_gz", "/"),
    ("dashboard · bureau", "bureau_liwan", "/oversight/dashboard/"),
    ("dashboard · supervision", "supervision_gz", "/oversight/dashboard/"),
    ("evaluation overview · bureau", "bureau_liwan", "/evaluations/"),
    ("quarter grid · street", "street_xicun", "/contracts/xicun-2024/quarters/2025-Q2/"),
    ("contract list · supervision", "supervision_gz", "/contracts/"),
]


GROUPS = ("gunicorn", "nginx", "postgres", "client", "other")


def cpu_by_group() -> tuple[dict[str, float], set[int]]:
    """CPU seconds (user + system) used so far by every process on the machine, summed per group, and the gunicorn
    processes' ids."""
    tick = os.sysconf("SC_CLK_TCK")
    me = os.getpid()
    totals = dict.fromkeys(GROUPS, 0.0)
    gunicorn: set[int] = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read().decode("utf-8", "replace")
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().decode("utf-8", "replace")
        except OSError:  # the process ended meanwhile
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        # utime + stime, and cutime + cstime: the children it reaped (gunicorn recycles its workers, PostgreSQL's
        # backends end with their connection), so that a process ending during the run keeps its CPU in the sum
        seconds = sum(int(x) for x in fields[11:15]) / tick
        if int(pid) == me:
            group = "client"
        else:
            group = next((g for g in ("gunicorn", "nginx", "postgres") if g in cmdline), "other")
        totals[group] += seconds
        if group == "gunicorn":
            gunicorn.add(int(pid))
    return totals, gunicorn


def session_for(base: str, ca: str, username: str | None) -> requests.Session:
    session = requests.Session()
    session.verify = ca
    session.trust_env = False  # a REQUESTS_CA_BUNDLE in the environment would replace the CA
    if username:
        page = session.get(f"{base}/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        session.post(f"{base}/accounts/login/", data={"username": username, "password": "evalportal-demo",
                                                       "csrfmiddlewaretoken": token},
                     headers={"Referer": f"{base}/accounts/login/"})
    return session


def measure(base: str, ca: str, username: str | None, path: str) -> tuple[float, float, int, dict[str, float], int]:
    sessions = [session_for(base, ca, username) for _ in range(CONCURRENCY)]
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + SECONDS

    def loop(session: requests.Session) -> None:
        mine, bad = [], 0
        while time.monotonic() < stop_at:
            started = time.monotonic()
            response = session.get(base + path, allow_redirects=False)
            mine.append(time.monotonic() - started)
            if response.status_code != 200:
                bad += 1
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=loop, args=(s,)) for s in sessions]
    before, workers_before = cpu_by_group()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    after, workers_after = cpu_by_group()
    count = max(len(latencies), 1)
    cpu_ms = {g: max(after[g] - before[g], 0.0) * 1000 / count for g in GROUPS}
    p50 = statistics.median(latencies) * 1000 if latencies else 0.0
    return len(latencies) / SECONDS, p50, errors[0], cpu_ms, len(workers_after - workers_before)


def workers(count: int) -> str:
    return f"{count} gunicorn worker{'s' if count > 1 else ''}"


def main(base: str, ca: str) -> int:
    print(f"[throughput] {CONCURRENCY} concurrent clients × {SECONDS:.0f} s per page, through nginx (TLS)")
    bare = bare_page = None
    failed = 0
    print("[throughput] CPU ms per request: app = the gunicorn workers, pg = PostgreSQL, client = this script")
    for label, username, path in PAGES:
        rps, p50, errors, cpu, started = measure(base, ca, username, path)
        failed += errors
        if started:
            # a recycled worker's start fell in this page's run: print it, then measure the page once more, so that
            # the ratios compare pages, not which one happened to run while workers restarted
            print(f"[throughput] {label:34s} {rps:7.1f} req/s  p50 {p50:6.1f} ms, app CPU {cpu['gunicorn']:.2f} ms/request "
                  f"while {workers(started)} started: measured again{'  ERRORS ' + str(errors) if errors else ''}",
                  flush=True)
            rps, p50, errors, cpu, started = measure(base, ca, username, path)
            failed += errors
        bare = bare or rps
        against_page = f"  {rps / bare_page:4.2f}× bare logged in" if bare_page else ""
        bare_page = bare_page or (rps if path == "/_bench/page" else None)
        print(f"[throughput] {label:34s} {rps:7.1f} req/s  p50 {p50:6.1f} ms  {rps / bare:4.2f}× bare{against_page}"
              f"{'  ERRORS ' + str(errors) if errors else ''}", flush=True)
        print(f"[throughput] {'':34s} CPU ms/request: app {cpu['gunicorn']:.2f}  nginx {cpu['nginx']:.2f}  "
              f"pg {cpu['postgres']:.2f}  client {cpu['client']:.2f}  other {cpu['other']:.2f}"
              f"{f'  ({workers(started)} started meanwhile)' if started else ''}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

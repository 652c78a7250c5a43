"""Requests per second of the busiest pages against a bare view, through the same nginx + gunicorn stack (issue 13
§5), and against the site's empty layout behind login (what the signed-in stack costs by itself). A closed loop:
CONCURRENCY clients, each logged in as the page's user, request the page for SECONDS seconds.
Prints figures; it does not fail on them (timings on a shared 2-core machine are a measurement, not a test).

Usage: throughput.py BASE CA_FILE
"""

from __future__ import annotations

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


def measure(base: str, ca: str, username: str | None, path: str) -> tuple[float, float, int]:
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
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / SECONDS, statistics.median(latencies) * 1000 if latencies else 0.0, errors[0]


def main(base: str, ca: str) -> int:
    print(f"[throughput] {CONCURRENCY} concurrent clients × {SECONDS:.0f} s per page, through nginx (TLS)")
    bare = bare_page = None
    failed = 0
    for label, username, path in PAGES:
        rps, p50, errors = measure(base, ca, username, path)
        bare = bare or rps
        failed += errors
        against_page = f"  {rps / bare_page:4.2f}× bare logged in" if bare_page else ""
        bare_page = bare_page or (rps if path == "/_bench/page" else None)
        print(f"[throughput] {label:34s} {rps:7.1f} req/s  p50 {p50:6.1f} ms  {rps / bare:4.2f}× bare{against_page}"
              f"{'  ERRORS ' + str(errors) if errors else ''}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

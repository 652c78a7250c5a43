"""Server CPU per request of the busiest pages (issue 13 §5), for profiling: queries, median CPU (time.process_time of
the request through Django's full handler and middleware, test client, no network), SQL ms (the page's queries run
again five times each, the sum of their best times: what the database's plans cost, steadier than CPU time on a
machine whose speed drifts) and, with --profile LABEL, the cProfile of that page.

Runs against DATABASE_URL (default: a throw-away SQLite database) with DEBUG off, as in production. With --setup it
first migrates, loads the demo data and `load_scale --stations N --years Y`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ep_bench .venv/bin/python bench/profile_pages.py --setup 176
    .venv/bin/python bench/profile_pages.py --runs 30 [--profile "home 区民政局"]

Figures only, no assertions.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import time

import _common

os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/evalportal-profile-pages.sqlite3")
_common.setup_django(debug=False)

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402

from evalportal.operations import bare_page  # noqa: E402
from stations.models import User  # noqa: E402


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


_common.serve_bare_view("__bare__/", bare, {"__page__/": bare_page})

PAGES = [
    ("bare view (signed in)", "street_xicun", "/__bare__/"),
    ("empty layout (signed in)", "street_xicun", "/__page__/"),  # base.html: session, user, navigation, template
    ("home 街道办", "street_xicun", "/"),
    ("home 区民政局", "bureau_liwan", "/"),
    ("home 评估机构", "evaluator_gzswa", "/"),
    ("home 督导中心", "supervision_gz", "/"),
    ("dashboard 区", "bureau_liwan", "/oversight/dashboard/"),
    ("dashboard 市", "supervision_gz", "/oversight/dashboard/"),
    ("overview 区", "bureau_liwan", "/evaluations/"),
    ("overview 市", "supervision_gz", "/evaluations/"),
    ("grid 街道办", "street_xicun", "/contracts/xicun-2024/quarters/2025-Q2/"),
    ("contracts 市", "supervision_gz", "/contracts/"),
    ("chart pace 市", "supervision_gz", "/oversight/charts/pace/"),
    ("chart trend 区", "bureau_liwan", "/oversight/charts/trend/"),
    ("chart districts 市", "supervision_gz", "/oversight/charts/districts/"),
    ("submissions 区", "bureau_liwan", "/oversight/submissions/"),
    ("submissions 市 全部", "supervision_gz", "/oversight/submissions/?year=&status="),
    ("reports 市", "supervision_gz", "/reports/"),
    ("export dashboard 区", "bureau_liwan", "/oversight/dashboard.xlsx"),
    ("export chart districts 市", "supervision_gz", "/oversight/charts/districts.xlsx"),
]


def sql_ms(captured: list[dict], repeat: int = 5) -> list[float | None]:
    """The page's reads executed again, each `repeat` times: their best times (ms; None for a write, not run again).
    Their sum is steadier than the CPU time on a machine whose speed drifts, and it isolates what the database's plans
    cost."""
    times: list[float | None] = []
    with connection.cursor() as cursor:
        for query in captured:
            if not query["sql"].lstrip().upper().startswith(("SELECT", "WITH")):
                times.append(None)  # a write (a session refreshed, a summary recomputed) is not run again
                continue
            best = float("inf")
            for _ in range(repeat):
                started = time.perf_counter()
                cursor.execute(query["sql"])
                cursor.fetchall()
                best = min(best, time.perf_counter() - started)
            times.append(best * 1000)
    return times


def measure(runs: int, only: str | None, profile: str | None, top: int) -> None:
    users = {u.username: u for u in User.objects.filter(username__in={p[1] for p in PAGES})}
    print(f"{'page':<26}{'status':>7}{'queries':>9}{'CPU ms':>9}{'SQL ms':>9}{'KB':>7}")
    for label, username, url in PAGES:
        if only and only not in label:
            continue
        client = Client()
        client.force_login(users[username])
        response, captured, cpu, _wall = _common.time_get(client, url, runs)
        queries = len(captured)
        times = sql_ms(captured)
        print(f"{label:<26}{response.status_code:>7}{queries:>9}{cpu:>9.2f}{sum(filter(None, times)):>9.2f}"
              f"{len(response.content) / 1024:>7.0f}", flush=True)
        if profile and profile == label:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(runs):
                client.get(url)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(top)
            print(out.getvalue())
        if os.environ.get("SHOW_QUERIES"):
            for q, ms in zip(captured, times, strict=True):  # the best of five runs (ms), "write" for a write
                print(f"  {'write' if ms is None else f'{ms:.2f}':>6}  {q['sql'][:int(os.environ['SHOW_QUERIES'])]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--setup", type=int, metavar="STATIONS", help="migrate, load_demo, load_scale N first")
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", help="pages whose label contains this")
    parser.add_argument("--profile", help="label of the page to profile")
    parser.add_argument("--top", type=int, default=45)
    args = parser.parse_args()
    if args.setup is not None:
        _common.load_demo()
        if args.setup:
            call_command("load_scale", stations=args.setup, years=args.years)
    print(f"database: {connection.vendor}; load average {os.getloadavg()[0]:.1f}")
    measure(args.runs, args.only, args.profile, args.top)


if __name__ == "__main__":
    main()

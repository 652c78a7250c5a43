"""Page benchmark (issue 10 §6, bench part): queries and median server CPU time per page at two sizes.

For each page (home per role, dashboard, every list, the entry grid, the scoring page, exports) it prints the number
of queries and the median CPU time (time.process_time of the request through Django's full handler and middleware,
test client, no network) at SMALL generated stations and at LARGE, the ratio LARGE/SMALL, the ratio to a bare
view (an empty HttpResponse through the same middleware) in the same process, the median wall-clock time and its ratio
(on PostgreSQL the queries run in the server's process, outside this process's CPU time), and the size of the
response at each size (KB: a list or a home whose page is not full at SMALL shows more rows at LARGE).

Data: two throw-away databases (BENCH_DB, default the SQLite file /tmp/evalportal-bench-pages.sqlite3, and the same
name with `.large`; or a postgres:// URL, and the same database name with `_large`), each with load_demo and then
`load_scale --stations N --years 1` of its size; DEBUG off, as in production.
Each size is measured --rounds times by a child process, alternating sizes, so that the machine's load falls on both
alike; a page's figure is the median of its rounds' medians. Usage:

    .venv/bin/python bench/bench_pages.py [--small 176] [--large 4000] [--runs 7] [--rounds 3]
    BENCH_DB=postgres://postgres@127.0.0.1:5432/ep_bench .venv/bin/python bench/bench_pages.py

Figures only, no assertions (the query counts are asserted in tests/oversight/test_query_counts.py).
"""

from __future__ import annotations

import _common

DB = _common.bench_database("/tmp/evalportal-bench-pages.sqlite3")
_common.setup_django(debug=False)

from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402

from stations.models import User  # noqa: E402


def bare(request):
    return HttpResponse("ok")


_common.serve_bare_view("__bare__/", bare)

PAGES = [
    ("bare view", "street_xicun", "/__bare__/"),
    ("home 街道办", "street_xicun", "/"),
    ("home 区民政局", "bureau_liwan", "/"),
    ("home 督导中心", "supervision_gz", "/"),
    ("home 评估机构", "evaluator_gzswa", "/"),
    ("dashboard 区", "bureau_liwan", "/oversight/dashboard/"),
    ("dashboard 市", "supervision_gz", "/oversight/dashboard/"),
    ("chart pace 市", "supervision_gz", "/oversight/charts/pace/"),
    ("chart trend 区", "bureau_liwan", "/oversight/charts/trend/"),
    ("chart districts 市", "supervision_gz", "/oversight/charts/districts/"),
    ("staff xicun-2024", "bureau_liwan", "/contracts/xicun-2024/staff/?year="),
    ("activities xicun-2024", "bureau_liwan", "/contracts/xicun-2024/activities/?year="),
    ("staff log xicun-2024", "bureau_liwan", "/contracts/xicun-2024/staff/history/?year="),
    ("contracts 市", "supervision_gz", "/contracts/"),
    ("contracts 市 全部年度", "supervision_gz", "/contracts/?year="),
    ("submissions 区", "bureau_liwan", "/oversight/submissions/"),
    ("submissions 市 全部", "supervision_gz", "/oversight/submissions/?year=&status="),
    ("evaluations 市", "supervision_gz", "/evaluations/"),
    ("reports 市", "supervision_gz", "/reports/"),
    ("grid xicun-2024 Q1", "bureau_liwan", "/contracts/xicun-2024/quarters/2025-Q1/"),
    ("scoring xicun-2024-final", "supervision_gz", "/evaluations/xicun-2024-final/scoring/"),
    ("export 附件1", "bureau_liwan", "/contracts/xicun-2024/indicators.xlsx?until=2025-04-30"),
    ("export dashboard 区", "bureau_liwan", "/oversight/dashboard.xlsx"),
    ("export chart districts 市", "supervision_gz", "/oversight/charts/districts.xlsx"),
]


def measure(runs: int) -> dict[str, tuple[int, float]]:
    client = Client()
    users = {u.username: u for u in User.objects.filter(username__in={p[1] for p in PAGES})}
    result = {}
    for label, username, url in PAGES:
        client.force_login(users[username])
        response, captured, cpu, wall = _common.time_get(client, url, runs)
        queries = len(captured)
        if response.status_code != 200:
            raise SystemExit(f"{label}: HTTP {response.status_code}")
        result[label] = (queries, cpu, wall, len(response.content) / 1024)
    return result


def main() -> None:
    args, figures = _common.measure_at_two_sizes(measure, DB, small=176, large=4000, runs=7)
    small, large = figures[args.small], figures[args.large]
    bare_small, bare_large = small["bare view"][1], large["bare view"][1]
    print(f"\n{'page':<28}{'queries':>9}{'queries':>9}{'CPU ms':>9}{'CPU ms':>9}{'ratio':>7}{'wall ms':>9}{'wall ms':>9}"
          f"{'ratio':>7}{'×bare':>7}{'×bare':>7}{'KB':>7}{'KB':>7}")
    sizes = f"{args.small:>9}{args.large:>9}"
    print(f"{'':<28}{sizes}{sizes}{'L/S':>7}{sizes}{'L/S':>7}{args.small:>7}{args.large:>7}{args.small:>7}{args.large:>7}")
    for label, _user, _url in PAGES:
        (q1, t1, w1, kb1), (q2, t2, w2, kb2) = small[label], large[label]
        print(f"{label:<28}{q1:>9}{q2:>9}{t1:>9.1f}{t2:>9.1f}{t2 / t1:>7.2f}{w1:>9.1f}{w2:>9.1f}{w2 / w1:>7.2f}"
              f"{t1 / bare_small:>7.1f}{t2 / bare_large:>7.1f}{kb1:>7.0f}{kb2:>7.0f}")

if __name__ == "__main__":
    main()

"""API benchmark (issue 12, bench part): queries and median time of the 附件1 JSON and of a quarter write of 60 cells,
against a bare DRF view in the same process, at two numbers of stations.

Each request goes through Django's full handler and middleware and DRF's token authentication, permissions and
throttling (rest_framework.test.APIClient, no network). The bare view is an APIView answering {"ok": true} with the
same authentication, permission and throttle classes, so the difference is the endpoint's own work. Printed per
request: the number of queries, the median wall-clock time (time.perf_counter) and the median CPU time of the process
(time.process_time; on a shared 2-core machine wall-clock time includes waiting for a core), and the ratio to the bare
view.

- "附件1 JSON": GET /api/v1/contracts/xicun-2024/completion/?until=2025-04-30 (seed 001: 3 片区, 5 months), token of
  the district bureau; and the same for the generated contract with the most 片区;
- "quarter write 60 cells": PUT /api/v1/contracts/xicun-2024/quarters/2025-Q2/actuals/ with 60 cells of May and June
  (April lies in the finalised mid-term's 考核期 and is locked), each run changing every cell (values alternate), with
  the versions read before the timed request; street office token (read-write). Each write is validated, checked
  against evalportal.locks, saved in bulk and audited (60 修改记录 rows, source API);
- "quarter read": GET of the same quarter (the cells with their versions).

Data: a throw-away SQLite database (BENCH_DB, default /tmp/evalportal-bench-api.sqlite3) with load_demo, then
`load_scale --stations N --years 1` at each size. Usage:

    .venv/bin/python bench/bench_api.py [--small 20] [--large 176] [--runs 15]

Figures only, no assertions (query counts are asserted in tests/api/test_matrix.py QueryCountTests).
"""

from __future__ import annotations

import logging
import statistics
import time

import _common

DB = _common.bench_database("/tmp/evalportal-bench-api.sqlite3")
_common.setup_django()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

from api.tokens import api_token_create  # noqa: E402
from oversight.scale import PREFIX as SCALE_PREFIX  # noqa: E402
from stations.models import Contract, User  # noqa: E402

logging.getLogger("django.request").setLevel(logging.ERROR)


class Bare(APIView):
    """The same authentication, permissions and throttles as every API view; no work."""

    def get(self, request):
        return Response({"ok": True})


_common.serve_bare_view("api/v1/__bare__/", Bare.as_view())

QUARTER_URL = "/api/v1/contracts/xicun-2024/quarters/2025-Q2/actuals/"
CELLS = 60


def client_for(username: str, *, read_only: bool) -> APIClient:
    _, key = api_token_create(user=User.objects.get(username=username), name="bench", days=1, read_only=read_only)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def timed(client: APIClient, method: str, url: str, body=None) -> tuple[int, float, float, int]:
    cache.clear()  # the rate limit counts every request of the bench
    with CaptureQueriesContext(connection) as ctx:
        wall, cpu = time.perf_counter(), time.process_time()
        response = getattr(client, method)(url, body, format="json") if body is not None else client.get(url)
        wall, cpu = (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{method.upper()} {url}: HTTP {response.status_code} {response.content[:300]!r}")
    return len(ctx.captured_queries), wall, cpu, len(response.content)


def write_body(street: APIClient, run: int) -> dict:
    cells = [c for c in street.get(QUARTER_URL).json()["cells"] if c["editable"]]
    if len(cells) < CELLS:
        raise SystemExit(f"only {len(cells)} editable cells in {QUARTER_URL}")
    cells.sort(key=lambda c: (c["month"], c["area"] or 0, c["indicator"]))
    return {"cells": [{**{k: c[k] for k in ("area", "indicator", "month", "version")}, "value": str(100 + run % 2 + i)}
                      for i, c in enumerate(cells[:CELLS])]}


def measure(runs: int) -> dict[str, tuple[int, float, float, int]]:
    bureau = client_for("bureau_liwan", read_only=True)
    street = client_for("street_xicun", read_only=False)
    biggest = (Contract.objects.filter(code__startswith=SCALE_PREFIX).annotate(n=Count("service_areas"))
               .order_by("-n", "code").first())
    requests = [
        ("bare DRF view", bureau, "get", "/api/v1/__bare__/", None),
        ("附件1 JSON xicun-2024", bureau, "get", "/api/v1/contracts/xicun-2024/completion/?until=2025-04-30", None),
    ]
    if biggest is not None:
        admin = client_for("admin", read_only=True)
        requests.append((f"附件1 JSON {biggest.n} 片区", admin, "get",
                         f"/api/v1/contracts/{biggest.code}/completion/?until={biggest.start_date.year + 1}-01-31",
                         None))
    requests.append(("quarter read", street, "get", QUARTER_URL, None))
    result = {}
    for label, client, method, url, _ in requests:
        timed(client, method, url)  # warm
        samples = [timed(client, method, url) for _ in range(runs)]
        result[label] = (samples[-1][0], statistics.median(s[1] for s in samples),
                         statistics.median(s[2] for s in samples), samples[-1][3])
    samples = []
    for run in range(runs + 1):
        body = write_body(street, run)
        sample = timed(street, "put", QUARTER_URL, body)
        if run:  # the first is the warm-up
            samples.append(sample)
    result[f"quarter write {CELLS} cells"] = (samples[-1][0], statistics.median(s[1] for s in samples),
                                              statistics.median(s[2] for s in samples), samples[-1][3])
    return result


def main() -> None:
    args, figures = _common.measure_at_two_sizes(measure, DB, small=20, large=176, runs=15)
    for size, rows in figures.items():
        bare_wall, bare_cpu = rows["bare DRF view"][1:3]
        print(f"\n{size} generated stations (+ demo), median of {args.runs} runs")
        print(f"{'request':<28}{'queries':>8}{'wall ms':>9}{'CPU ms':>9}{'×bare wall':>11}{'×bare CPU':>10}{'bytes':>8}")
        for label, (queries, wall, cpu, size_bytes) in rows.items():
            print(f"{label:<28}{queries:>8}{wall:>9.1f}{cpu:>9.1f}{wall / bare_wall:>11.1f}{cpu / bare_cpu:>10.1f}"
                  f"{int(size_bytes):>8}")


if __name__ == "__main__":
    main()

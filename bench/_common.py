"""Set-up shared by the in-process benchmarks (bench_pages, bench_api, profile_pages): the project on sys.path, Django
with the base settings, a bare view served through the same URLconf and middleware as the pages it is compared with,
the demo data in a fresh database, generated stations.

Each script imports this module as `_common` (python puts the script's folder on sys.path) and calls, in order:
`bench_database` (unless it takes DATABASE_URL as it is), `setup_django`, then imports Django and the apps;
bench_pages and bench_api then measure at two sizes of generated data (`measure_at_two_sizes`).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
URLCONF = "bench_urls"


def bench_database(default_file: str) -> str:
    """The benchmark's throw-away database, used whatever DATABASE_URL says: BENCH_DB, else `default_file`. A path is
    a SQLite file; a postgres:// URL names a PostgreSQL database (dropped and created again by the benchmark; its copy
    for the second size gets the name with `_large`), e.g. BENCH_DB=postgres://postgres@127.0.0.1:5432/ep_bench."""
    path = os.environ.get("BENCH_DB", default_file)
    os.environ["DATABASE_URL"] = path if _postgres(path) else f"sqlite:///{path}"
    return path


def _postgres(db: str) -> bool:
    return db.startswith(("postgres://", "postgresql://"))


def _large(db: str) -> str:
    """The second size's database: the SQLite file's name with `.large`, the PostgreSQL database's with `_large`."""
    return f"{db}_large" if _postgres(db) else f"{db}.large"


def _db_name(db: str) -> str:
    """What Django's settings call the database: the SQLite file, or the PostgreSQL database's name."""
    from urllib.parse import urlparse

    return urlparse(db).path.lstrip("/") if _postgres(db) else db


def _recreate(db: str, *, template: str | None = None) -> None:
    """Drop `db` if it exists and create it empty (SQLite: delete the file), or as a copy of `template`."""
    import shutil

    if not _postgres(db):
        if template:
            shutil.copyfile(template, db)
        elif os.path.exists(db):
            os.remove(db)
        return
    import psycopg2
    from psycopg2 import sql

    server = db.rsplit("/", 1)[0] + "/postgres"
    admin = psycopg2.connect(server)
    admin.autocommit = True  # DROP / CREATE DATABASE refuse to run in a transaction
    try:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(_db_name(db))))
            create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(_db_name(db)))
            if template:
                create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(_db_name(template)))
            cursor.execute(create)
    finally:
        admin.close()


def setup_django(*, debug: bool | None = None) -> None:
    """django.setup() with evalportal.settings.base (unless DJANGO_SETTINGS_MODULE says otherwise); DEBUG forced when
    `debug` is given, else as the environment says (the base settings' default is on)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evalportal.settings.base")
    if debug is not None:
        os.environ["DEBUG"] = "true" if debug else "false"
    import django

    django.setup()
    logging.getLogger("evalportal.security").setLevel(logging.WARNING)  # one login line per request otherwise


def serve_bare_view(route: str, view, more: dict | None = None) -> None:
    """Serve evalportal.urls with `view` at `route` (and `more`: route → view) in front of it, to any host (the test
    client's testserver)."""
    from django.conf import settings
    from django.urls import clear_url_caches, path

    from evalportal.urls import urlpatterns

    urls = types.ModuleType(URLCONF)
    urls.urlpatterns = [path(route, view), *(path(r, v) for r, v in (more or {}).items()), *urlpatterns]
    sys.modules[URLCONF] = urls
    settings.ROOT_URLCONF = URLCONF
    settings.ALLOWED_HOSTS = ["*"]
    clear_url_caches()


def load_demo(*, fresh_file: str | None = None) -> None:
    """Migrate and load the demo data; `fresh_file` (a SQLite file or a postgres:// URL) is emptied first."""
    from django.core.management import call_command

    if fresh_file:
        _recreate(fresh_file)
    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)


def load_scale(stations: int) -> None:
    """Replace the generated stations by `stations` new ones (one year), printing how long it took."""
    from oversight.scale import scale_delete, scale_load

    started = time.perf_counter()
    scale_delete()
    scale_load(stations=stations, years=1, seed=2025)
    print(f"load_scale --stations {stations} --years 1: {time.perf_counter() - started:.1f} s", flush=True)


def measure_at_two_sizes(measure: Callable[[int], dict], db: str, *, small: int, large: int,
                         runs: int) -> tuple[argparse.Namespace, dict[int, dict]]:
    """The usual run: --small, --large (generated stations), --runs and --rounds from the command line (defaults as
    given). The demo data goes into a fresh `db`, copied to a second file; the small size is generated in one, the
    large in the other. Then, --rounds times, each size is measured by a child process (this script again, on that
    file), alternating the order (small, large, large, small, ...), so that drift in the machine's load falls on both
    sizes alike. A page's figure is the median of its rounds' medians. Returns the arguments and each size's figures
    (label → (queries, then the medians of the other figures))."""
    import json
    import statistics
    import subprocess

    if os.environ.get("BENCH_CHILD"):  # one round at one size: print the figures and stop
        parser = argparse.ArgumentParser()
        parser.add_argument("--runs", type=int, default=runs)
        args, _ = parser.parse_known_args()
        print("BENCH-JSON " + json.dumps(measure(args.runs)), flush=True)
        raise SystemExit(0)
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=small)
    parser.add_argument("--large", type=int, default=large)
    parser.add_argument("--runs", type=int, default=runs)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from django.conf import settings
    from django.db import connection

    files = {args.small: db, args.large: _large(db)}
    load_demo(fresh_file=db)
    connection.close()
    _recreate(files[args.large], template=db)
    for size in (args.small, args.large):
        connection.close()
        settings.DATABASES["default"]["NAME"] = _db_name(files[size])
        load_scale(size)
    connection.close()
    rounds: dict[int, list[dict]] = {args.small: [], args.large: []}
    for r in range(args.rounds):
        for size in ((args.small, args.large) if r % 2 == 0 else (args.large, args.small)):
            env = {**os.environ, "BENCH_CHILD": "1", "BENCH_DB": files[size]}
            out = subprocess.run([sys.executable, sys.argv[0], "--runs", str(args.runs)], env=env, check=True,
                                 capture_output=True, text=True).stdout
            rounds[size].append(json.loads(out.split("BENCH-JSON ", 1)[1]))
            print(f"round {r + 1}/{args.rounds}: {size} stations measured", flush=True)
    figures = {
        size: {label: (results[0][label][0],
                       *(statistics.median(res[label][i] for res in results) for i in range(1, len(results[0][label]))))
               for label in results[0]}
        for size, results in rounds.items()
    }
    return args, figures


def time_get(client, url: str, runs: int):
    """GET `url` once to warm (templates, caches), then `runs` times: (last response, the queries of one request as
    captured, median CPU ms of a request through Django's full handler and middleware, median wall-clock ms). The CPU
    time is this process's: on SQLite it includes the queries, on PostgreSQL their work is in the server's process
    and shows only in the wall-clock time."""
    import statistics

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    times, walls, queries, response = [], [], [], None
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            start, wall = time.process_time(), time.perf_counter()
            response = client.get(url)
            times.append((time.process_time() - start) * 1000)
            walls.append((time.perf_counter() - wall) * 1000)
        queries = ctx.captured_queries
    return response, queries, statistics.median(times), statistics.median(walls)

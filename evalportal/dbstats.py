"""Planner statistics: the figures the database's query planner uses to choose an index for each query.

PostgreSQL's autovacuum keeps them current by itself. SQLite (the embedded default) never gathers any on its own:
without them it picks indexes by rule of thumb, and on Guangzhou-scale data it chose, for example, to read every
finalised evaluation of the city to show one district's dashboard, or all 12,000 assignments of an evaluator to
show six results (measured with bench/profile_pages.py at 176 and 4,000 stations; README "Commands").

`update_statistics()` runs ANALYZE over every row (PRAGMA analysis_limit=0). A bounded sample (analysis_limit=1000,
which SQLite's documentation suggests) took 3 s instead of 12 s on a 2 GB database of 4,000 stations × 2 years, but
its figures were off (a two-valued column estimated at 1,001 rows per value instead of 6,141), and with them SQLite
read the whole city's finalised evaluations of the year for one district's grade distribution again. ANALYZE holds
SQLite's write lock while it reads (checked), so it runs table by table, each in its own transaction, pausing after
a big one: on the database of 4,000 stations × 1 year a writer trying every 50 ms waited at most 1.4–1.8 s (the
largest table), against 3.4 s (the whole run) in one statement — well within the 30 s that writers wait
(SQLITE_BUSY_TIMEOUT). On PostgreSQL it is the usual sampled ANALYZE, which does not block writes (autovacuum runs it
too). Called after bulk loads (load_scale) and daily by the housekeeping timer (`manage.py update_statistics`).
"""

from __future__ import annotations

import time

from django.db import connections

# Rows SQLite's ANALYZE reads per index: 0 is every row (see above for why not a sample).
ANALYSIS_LIMIT = 0
# After a table whose ANALYZE held SQLite's write lock longer than YIELD_AFTER seconds, pause YIELD_FOR seconds: the lock
# is not fair, and a waiting writer (SQLite's busy handler retries about every 100 ms) would miss a gap of microseconds.
YIELD_AFTER = 0.1
YIELD_FOR = 0.25


def update_statistics(using: str = "default") -> float:
    """Refresh the planner statistics of every table; returns the seconds it took."""
    connection = connections[using]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor != "sqlite":
            cursor.execute("ANALYZE")
        else:
            cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
            for table in connection.introspection.table_names(cursor):
                begun = time.perf_counter()
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")  # its own transaction in autocommit
                if time.perf_counter() - begun > YIELD_AFTER:
                    time.sleep(YIELD_FOR)
    return time.perf_counter() - started

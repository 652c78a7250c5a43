"""Planner statistics: the figures the database's query planner uses to choose an index for each query.

PostgreSQL's autovacuum keeps them current by itself. SQLite (the embedded default) never gathers any on its own:
without them it picks indexes by rule of thumb, and on Guangzhou-scale data it chose, for example, to read every
finalised evaluation of the city to show one district's dashboard, or all 12,000 assignments of an evaluator to
show six results (measured with bench/profile_pages.py at 176 and 4,000 stations, README "Performance").

`update_statistics()` runs ANALYZE: on SQLite with a bounded sample per index (ANALYSIS_LIMIT rows: about 3 s on a
2 GB database of 4,000 stations instead of 12 s, and the same plans), on PostgreSQL over the usual sample. Called
after bulk loads (load_scale) and daily by the housekeeping timer (`manage.py update_statistics`).
"""

from __future__ import annotations

import time

from django.db import connections

# Rows sampled per index by SQLite's ANALYZE (SQLite's documentation suggests 100–1000); 0 would read every row.
ANALYSIS_LIMIT = 1000


def update_statistics(using: str = "default") -> float:
    """Refresh the planner statistics of every table; returns the seconds it took."""
    connection = connections[using]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")
    return time.perf_counter() - started

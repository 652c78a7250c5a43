"""Every main list's order comes from an index (issue 10 §6: "no temporary sort for the main lists on PostgreSQL's
EXPLAIN"): the district's and the city's lists of contracts, quarter submissions, evaluations and reports, in each of
their sort orders, and the dashboard.

Each page is requested as its user would; the query that reads the page's rows (ORDER BY … LIMIT) is explained with
`enable_sort = off`. The planner then avoids a Sort node whenever some index gives the rows in the order asked for,
so a Sort left in the plan means no index can: the test fails on a missing index or on an order no index serves,
whatever the planner would choose on this small test database. (An Incremental Sort, which orders only rows equal in
the index's leading columns, is allowed.) PostgreSQL only: it is the production database, and SQLite's planner has
no such switch.
"""

import re
from unittest import skipUnless

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from demo.loader import demo_load
from oversight.scale import scale_load
from reports.models import Evaluation
from stations.models import User

SORTS = {
    "contracts": ["station", "district", "-start", "code"],
    "submissions": ["submitted", "-submitted", "quarter", "station"],
    "evaluations": ["-date", "date", "station", "-total"],
}

PAGE_QUERY = re.compile(r"\bORDER BY\b.*\bLIMIT (\d+)\s*$", re.S)
FULL_SORT = re.compile(r"(?<!Incremental )\bSort  \(cost=")


@skipUnless(connection.vendor == "postgresql", "PostgreSQL's EXPLAIN (enable_sort) decides what the test checks")
class ListOrderIndexTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()
        scale_load(stations=12, years=2, seed=7)

    def pages(self):
        report_list = reverse("report_list")
        for user in ("supervision_gz", "bureau_liwan"):
            for sort in SORTS["contracts"]:
                yield user, f"/contracts/?sort={sort}", "stations_contract"
            yield user, "/oversight/submissions/?year=&status=", "stations_quartersubmission"
            for sort in SORTS["submissions"]:
                yield user, f"/oversight/submissions/?year=&status=&sort={sort}", "stations_quartersubmission"
            for sort in SORTS["evaluations"]:
                yield user, f"/evaluations/?year=&sort={sort}", "reports_evaluation"
                yield user, f"{report_list}?year=&sort={sort}", "reports_evaluation"
            yield user, "/oversight/dashboard/", "stations_contract"
        yield "supervision_gz", f"{report_list}?year=", "reports_performanceevaluation"
        yield "admin", f"{report_list}?year=", "reports_reportbundle"

    def page_queries(self, username: str, url: str) -> list[str]:
        self.client.force_login(User.objects.get(username=username))
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        return [
            q["sql"] for q in queries.captured_queries
            if PAGE_QUERY.search(q["sql"]) and "django_session" not in q["sql"]
            and PAGE_QUERY.search(q["sql"]).group(1) not in ("1", "21")
        ]

    def plan(self, sql: str) -> str:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_sort = off")
            try:
                cursor.execute("EXPLAIN " + sql)
                return "\n".join(row[0] for row in cursor.fetchall())
            finally:
                cursor.execute("RESET enable_sort")

    def test_every_main_list_reads_its_page_in_index_order(self):
        checked = 0
        for username, url, table in self.pages():
            with self.subTest(user=username, url=url):
                mine = [sql for sql in self.page_queries(username, url) if f'FROM "{table}"' in sql]
                self.assertTrue(mine, f"{url}: no page query on {table}")
                for sql in mine:
                    plan = self.plan(sql)
                    self.assertNotRegex(plan, FULL_SORT, f"{username} {url}: sorts")
                    checked += 1
        self.assertGreaterEqual(checked, 38)

    def test_the_check_finds_a_sort_no_index_serves(self):
        """The same check on an order no index gives (evaluations by conclusion) does find the Sort."""
        sql = str(Evaluation.objects.order_by("conclusion", "pk")[:50].query)
        self.assertRegex(self.plan(sql), FULL_SORT)

    def test_ties_run_the_way_of_the_order(self):
        """The pk that breaks ties follows the direction of the order's last column (one index, read either way)."""
        self.client.force_login(User.objects.get(username="supervision_gz"))
        for sort, tail in (("-start", '"stations_contract"."id" DESC'), ("code", '"stations_contract"."id" ASC')):
            with CaptureQueriesContext(connection) as queries:
                self.client.get(f"/contracts/?sort={sort}")
            page = [q["sql"] for q in queries.captured_queries if 'FROM "stations_contract"' in q["sql"]
                    and "ORDER BY" in q["sql"]]
            self.assertTrue(any(tail in sql for sql in page), sort)

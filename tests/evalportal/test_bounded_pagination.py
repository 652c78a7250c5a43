"""Bounded work: a list counts its rows up to evalportal.listing.COUNT_LIMIT (one `COUNT(*) FROM (… LIMIT n)` without
ORDER BY), so that neither its count nor its deepest page grows with the rows its filters match; beyond, the page says
there are more and asks for a narrower filter."""

from unittest import mock

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from evalportal.listing import BoundedPaginator
from stations.models import QuarterSubmission
from tests.indicators.factories import build_world


class BoundedPaginatorTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)
        for contract in (cls.w.contract, cls.w.same_district, cls.w.other_district):
            for quarter in (1, 2, 3):
                QuarterSubmission.objects.create(contract=contract, year=2025, quarter=quarter, status="submitted")
        cls.rows = QuarterSubmission.objects.order_by("pk")  # 9 rows

    def test_counts_up_to_the_limit(self):
        paginator = BoundedPaginator(self.rows, 2, limit=5)
        self.assertEqual(paginator.count, 5)
        self.assertTrue(paginator.capped)
        self.assertEqual(paginator.num_pages, 3)
        self.assertEqual([s.pk for s in paginator.get_page(3)], [self.rows[4].pk])  # the 5th row, no further
        self.assertEqual(paginator.get_page(99).number, 3)

    def test_under_the_limit_is_the_exact_count(self):
        for limit in (9, 10, 5000):
            with self.subTest(limit=limit):
                paginator = BoundedPaginator(self.rows, 2, limit=limit)
                self.assertEqual(paginator.count, 9)
                self.assertFalse(paginator.capped)
                self.assertEqual(paginator.num_pages, 5)

    def test_one_bounded_count_query_without_order(self):
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(BoundedPaginator(self.rows, 2, limit=5).count, 5)
        self.assertEqual(len(queries), 1)
        sql = queries[0]["sql"].upper()
        self.assertIn("COUNT(", sql)
        self.assertIn("LIMIT 6", sql)
        self.assertNotIn("ORDER BY", sql)

    def test_a_row_source_that_is_not_a_queryset_is_counted_as_django_does(self):
        paginator = BoundedPaginator(list(range(9)), 2, limit=5)
        self.assertEqual((paginator.count, paginator.capped, paginator.num_pages), (9, False, 5))

    def test_the_list_says_there_are_more(self):
        self.client.force_login(self.w.users["supervision"])
        url = "/oversight/submissions/?year=2025&status=submitted"
        self.assertContains(self.client.get(url), "共 9 条。")
        with mock.patch("evalportal.listing.COUNT_LIMIT", 4):
            response = self.client.get(url)
        self.assertContains(response, "超过 4 条，只列出前 4 条：请用筛选条件缩小范围。")
        self.assertNotContains(response, "共 9 条")
        self.assertEqual(len(response.context["page"].object_list), 4)

    def test_the_pages_offered_stop_at_the_limit(self):
        self.client.force_login(self.w.users["supervision"])
        url = "/oversight/submissions/?year=2025&status=submitted"
        with mock.patch("evalportal.listing.COUNT_LIMIT", 4), mock.patch("evalportal.listing.PAGE_SIZE", 2):
            first = self.client.get(url)
            last = self.client.get(url + "&page=99")
        self.assertContains(first, "第 1 / 2+ 页")
        self.assertContains(last, "第 2 / 2+ 页")
        self.assertEqual(len(last.context["page"].object_list), 2)

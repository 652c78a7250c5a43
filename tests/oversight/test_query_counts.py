"""Query counts of every list and home page are equal at two sizes (issue 10 §6): 3 stations vs 3 + 40."""

from datetime import date
from decimal import Decimal
from unittest import mock

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.models import PARTY_WEIGHTS, Evaluation, EvaluationAssignment, PartyScore
from stations.models import Contract, QuarterSubmission, Station, Street
from tests.indicators.factories import build_world

TODAY = date(2025, 6, 20)


def grow(world, n: int, start: int = 0) -> None:
    """Add n stations to 荔湾区 with a running contract, a submitted quarter, an approved one, a returned one and a
    draft evaluation past its date with four draft party scores and the evaluator assigned."""
    district = world.contract.station.street.district
    template = world.same_district
    for i in range(start, start + n):
        street = Street.objects.create(code=f"grow-{i}", district=district, name=f"扩展{i}街道")
        station = Station.objects.create(code=f"grow-{i}", street=street, name=f"广州市扩展{i}街社工服务站")
        contract = Contract.objects.create(
            code=f"grow-{i}-2024", title=f"扩展{i}项目", station=station, operator=template.operator,
            buyer=template.buyer, supervisor=template.supervisor, start_date=template.start_date,
            end_date=template.end_date, budget=Decimal("2400000.00"), required_certified_staff=13, required_staff=20,
        )
        QuarterSubmission.objects.bulk_create([
            QuarterSubmission(contract=contract, year=2025, quarter=1, status="submitted",
                              submitted_at="2025-04-10T10:00:00+08:00"),
            QuarterSubmission(contract=contract, year=2024, quarter=4, status="approved",
                              submitted_at="2025-01-10T10:00:00+08:00"),
            QuarterSubmission(contract=contract, year=2025, quarter=2, status="returned", return_reason="补充"),
        ])
        evaluation = Evaluation.objects.create(
            code=f"grow-{i}-mid", contract=contract, kind="midterm", date=date(2025, 6, 1),
            period_start=contract.start_date, period_end=date(2025, 5, 31), agency=world.evaluation.agency,
        )
        PartyScore.objects.bulk_create([PartyScore(evaluation=evaluation, party=p, weight=w)
                                        for p, w in PARTY_WEIGHTS.items()])
        EvaluationAssignment.objects.create(evaluation=evaluation, user=world.users["evaluator"],
                                            declaration="pending" if i % 2 else "no_conflict")


PAGES = [
    ("home", {}), ("contract_list", {}), ("contract_list", {"year": "", "q": "街", "sort": "district"}),
    ("submission_list", {}), ("submission_list", {"year": "", "status": ""}),
    ("evaluation_overview", {}), ("evaluation_overview", {"year": "", "sort": "station"}),
    ("report_list", {"year": ""}),
]
USERS = ["street_xc", "bureau_lw", "supervision", "evaluator", "admin"]


@mock.patch("oversight.views.timezone.localdate", return_value=TODAY)
@mock.patch("reports.views.timezone.localdate", return_value=TODAY)
@mock.patch("reports.pdf_views.timezone.localdate", return_value=TODAY)
class ListQueryCountTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)

    def counts(self) -> dict:
        result = {}
        for user in USERS:
            self.client.force_login(self.w.users[user])
            for name, params in PAGES:
                self.client.get(reverse(name), params)  # warm
                with CaptureQueriesContext(connection) as ctx:
                    response = self.client.get(reverse(name), params)
                self.assertEqual(response.status_code, 200, (user, name))
                result[(user, name, tuple(params.items()))] = len(ctx.captured_queries)
        return result

    def dashboard_counts(self) -> dict:
        result = {}
        for user in ("bureau_lw", "supervision", "admin"):
            self.client.force_login(self.w.users[user])
            for name in ("dashboard", "dashboard_export"):
                self.client.get(reverse(name))
                with CaptureQueriesContext(connection) as ctx:
                    self.assertEqual(self.client.get(reverse(name)).status_code, 200)
                result[(user, name)] = len(ctx.captured_queries)
        return result

    def test_dashboard_counts_do_not_grow_with_stations(self, *_today):
        grow(self.w, 1)
        small = self.dashboard_counts()
        # 63 running contracts: two dashboard pages, and an export of more rows than a page (computed with one set
        # of queries, the scope as a subquery)
        grow(self.w, 60, start=1)
        large = self.dashboard_counts()
        self.assertEqual(large, small)

    def test_counts_do_not_grow_with_stations(self, *_today):
        grow(self.w, 1)  # every kind of row exists at the small size too
        small = self.counts()
        grow(self.w, 40, start=1)
        large = self.counts()
        for key, count in small.items():
            with self.subTest(page=key):
                self.assertEqual(large[key], count)

    def test_counts_do_not_change_when_the_street_chooser_becomes_a_text_field(self, *_today):
        with mock.patch("evalportal.listing.CHOOSER_OPTIONS", 20):
            grow(self.w, 1)  # 荔湾: 3 streets, a select
            small = self.counts()
            grow(self.w, 40, start=1)  # 43 streets: a text field
            large = self.counts()
        self.assertEqual(large, small)

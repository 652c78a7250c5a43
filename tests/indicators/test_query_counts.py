"""Query counts of the entry grid, the 附件1 export, the template, the home page, the staff grid and the ledger do not
grow with the number of 片区 (3 vs 30) or rows (issue 3 Tests; STYLE.md "Queries")."""

from datetime import date
from decimal import Decimal

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import MonthlyActual, Target
from stations.models import ActivityEntry, QuarterSubmission, ServiceArea, StaffMember, StaffMonth

from .factories import build_world


def fill(world, n_areas: int) -> None:
    """Bring the world to `n_areas` 片区 with targets, a quarter of actuals, staff and activities for each."""
    contract = world.contract
    existing = list(contract.service_areas.all())
    for i in range(len(existing), n_areas):
        area = ServiceArea.objects.create(contract=contract, name=f"片区{i + 1}", order=i + 1, social_workers=3)
        Target.objects.create(contract=contract, service_area=area, indicator=world.indicators["home_visit"],
                              value=Decimal(700))
    months = [date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
    MonthlyActual.objects.bulk_create(
        [MonthlyActual(contract=contract, service_area=a, indicator=world.indicators[code], month=m, value=Decimal(7))
         for a in contract.service_areas.all() for code in ("home_visit", "phone_call") for m in months],
        ignore_conflicts=True,
    )
    for i, area in enumerate(contract.service_areas.all()):
        staff, created = StaffMember.objects.get_or_create(
            contract=contract, order=i + 1,
            defaults=dict(name=f"社工{i + 1}", position="area_worker", certificate="assistant", service_area=area),
        )
        if created:
            StaffMonth.objects.bulk_create([StaffMonth(staff=staff, month=m, on_post=Decimal(1)) for m in months])
            ActivityEntry.objects.create(contract=contract, date=date(2025, 1, 5), name=f"活动{i}", participants=10,
                                         service_area=area)
    QuarterSubmission.objects.get_or_create(contract=contract, year=2024, quarter=4)


class QueryCountTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=3)

    def count(self, user: str, url: str, params=None) -> int:
        self.client.force_login(self.w.users[user])
        self.client.get(url, params)  # warm caches (content types, sessions)
        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get(url, params)
        self.assertEqual(response.status_code, 200, url)
        return len(ctx.captured_queries)

    def screens(self):
        code = self.w.contract.code
        return [
            ("street_xc", reverse("quarter_entry", args=[code, "2025-Q1"]), None),
            ("bureau_lw", reverse("quarter_entry", args=[code, "2025-Q1"]), None),
            ("street_xc", reverse("quarter_template", args=[code, "2025-Q1"]), None),
            ("bureau_lw", reverse("indicator_export", args=[code]), {"until": "2025-03-31"}),
            ("street_xc", reverse("home"), None),
            ("bureau_lw", reverse("home"), None),
            ("supervision", reverse("home"), None),
            ("street_xc", reverse("contract_detail", args=[code]), None),
            ("street_xc", reverse("staff_list", args=[code]), None),
            ("street_xc", reverse("staff_months", args=[code, "2025-Q1"]), None),
            ("street_xc", reverse("staff_export", args=[code]), {"until": "2025-03-31"}),
            ("street_xc", reverse("activity_list", args=[code]), None),
            ("street_xc", reverse("quarter_audit", args=[code, "2025-Q1"]), None),
        ]

    def test_counts_are_equal_for_3_and_30_areas(self):
        fill(self.w, 3)
        small = {(u, url): self.count(u, url, p) for u, url, p in self.screens()}
        fill(self.w, 30)
        for user, url, params in self.screens():
            with self.subTest(user=user, url=url):
                self.assertEqual(self.count(user, url, params), small[(user, url)])

    def test_entry_grid_query_budget(self):
        fill(self.w, 3)
        # session, user with its organisation, contract (visible), areas, indicators, targets, actuals, submission,
        # returnable?, the locks of the months (quarter states, finalised evaluations: evalportal.locks); no session
        # write (evalportal.session_refresh renews the idle timeout at most every 5 minutes)
        self.assertEqual(self.count("street_xc", reverse("quarter_entry", args=[self.w.contract.code, "2025-Q1"])), 11)

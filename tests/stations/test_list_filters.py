"""Filters of a contract's lists (issue 10 §3): staff register, activity ledger and 修改记录 — defaults to the
current year, filters and search in the URL, sorting, pagination, scope, and query counts equal at two sizes."""

from datetime import UTC, date, datetime
from unittest import mock

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stations.filters import default_year
from stations.models import ActivityEntry, AuditEntry, StaffMember
from tests.indicators.factories import build_world

TODAY = date(2025, 6, 20)  # the contract runs 2024-12-11 → 2025-12-10


def staff(w, n: int, start: int = 0) -> None:
    area = w.areas[0]
    StaffMember.objects.bulk_create([
        StaffMember(contract=w.contract, order=start + i, name=f"社工{start + i:02d}", position="area_worker",
                    certificate="assistant" if i % 2 else "none", service_area=area,
                    joined_on=date(2025, 1, 1), left_on=None)
        for i in range(n)
    ])


def activities(w, n: int, start: int = 0) -> None:
    ActivityEntry.objects.bulk_create([
        ActivityEntry(contract=w.contract, date=date(2025, 1 + (start + i) % 6, 10), name=f"活动{start + i:02d}",
                      nature="small", participants=start + i)
        for i in range(n)
    ])


def audit(w, n: int, start: int = 0) -> None:
    entries = AuditEntry.objects.bulk_create([
        AuditEntry(contract=w.contract, action="update", subject="staff", object_id=1, label=f"社工{start + i:02d}",
                   field="name", old_value="甲", new_value="乙", user=w.users["street_xc"])
        for i in range(n)
    ])
    AuditEntry.objects.filter(pk__in=[e.pk for e in entries]).update(at=datetime(2025, 3, 1, tzinfo=UTC))


@mock.patch("stations.views.timezone.localdate", return_value=TODAY)
class ContractListFilterTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)
        cls.code = cls.w.contract.code

    def setUp(self):
        self.client.force_login(self.w.users["street_xc"])

    def test_default_year_is_the_current_one_within_the_contract(self, _today):
        c = self.w.contract
        self.assertEqual(default_year(c, date(2025, 6, 1)), "2025")
        self.assertEqual(default_year(c, date(2027, 6, 1)), "2025")  # after the contract: its last year
        self.assertEqual(default_year(c, date(2023, 6, 1)), "2024")

    def test_staff_filters(self, _today):
        staff(self.w, 4)
        StaffMember.objects.create(contract=self.w.contract, order=9, name="离岗社工", position="area_worker",
                                   certificate="intermediate", joined_on=date(2023, 1, 1), left_on=date(2024, 6, 30))
        url = reverse("staff_list", args=[self.code])
        names = lambda r: [s.name for s in r.context["page"].object_list]  # noqa: E731
        self.assertEqual(names(self.client.get(url)), ["社工00", "社工01", "社工02", "社工03"])  # 2025: on post
        self.assertEqual(len(names(self.client.get(url, {"year": ""}))), 5)
        self.assertEqual(names(self.client.get(url, {"year": "", "status": "left"})), ["离岗社工"])
        self.assertEqual(names(self.client.get(url, {"certificate": "assistant"})), ["社工01", "社工03"])
        self.assertEqual(names(self.client.get(url, {"q": "02"})), ["社工02"])
        self.assertEqual(names(self.client.get(url, {"sort": "-joined", "year": ""}))[-1], "离岗社工")
        response = self.client.get(url, {"q": "无此人"})
        self.assertContains(response, "没有符合条件的社工。")

    def test_activity_filters_and_pagination_keep_the_filters(self, _today):
        activities(self.w, 30)
        ActivityEntry.objects.create(contract=self.w.contract, date=date(2024, 12, 20), name="去年活动",
                                     participants=5, nature="large")
        url = reverse("activity_list", args=[self.code])
        response = self.client.get(url)
        self.assertEqual(response.context["page"].paginator.count, 30)  # 2025 only
        self.assertEqual(self.client.get(url, {"year": ""}).context["page"].paginator.count, 31)
        response = self.client.get(url, {"quarter": "2"})  # April–June: months 4, 5, 6
        self.assertEqual(response.context["page"].paginator.count, 15)
        response = self.client.get(url, {"year": "2024", "nature": "large"})
        self.assertEqual([a.name for a in response.context["page"].object_list], ["去年活动"])
        response = self.client.get(url, {"sort": "-participants", "q": "活动"})
        self.assertEqual(response.context["page"].object_list[0].name, "活动29")
        self.assertContains(response, "sort=-participants&amp;q=%E6%B4%BB%E5%8A%A8&amp;page=2")

    def test_audit_filters(self, _today):
        audit(self.w, 3)
        AuditEntry.objects.create(contract=self.w.contract, action="delete", subject="staff", object_id=1,
                                  label="被删社工", reason="重复录入")
        url = reverse("staff_log", args=[self.code])
        response = self.client.get(url, {"year": "2025"})
        self.assertEqual(response.context["page"].paginator.count, 3)  # the delete was made today (2026 test clock)
        response = self.client.get(url, {"year": "", "action": "delete"})
        self.assertEqual([e.label for e in response.context["page"].object_list], ["被删社工"])
        response = self.client.get(url, {"year": "", "q": "重复"})
        self.assertEqual(response.context["page"].paginator.count, 1)

    def test_another_station_is_not_found(self, _today):
        self.client.force_login(self.w.users["street_jt"])
        for name in ("staff_list", "activity_list", "staff_log", "activity_log"):
            with self.subTest(page=name):
                self.assertEqual(self.client.get(reverse(name, args=[self.code]), {"year": ""}).status_code, 404)

    def test_query_counts_do_not_grow_with_rows(self, _today):
        pages = [("staff_list", {}), ("staff_list", {"q": "社工", "sort": "name"}), ("activity_list", {}),
                 ("activity_list", {"quarter": "1", "sort": "-participants"}), ("staff_log", {"year": ""}),
                 ("activity_log", {})]

        def counts():
            result = {}
            for user in ("street_xc", "bureau_lw", "supervision"):
                self.client.force_login(self.w.users[user])
                for name, params in pages:
                    url = reverse(name, args=[self.code])
                    self.client.get(url, params)
                    with CaptureQueriesContext(connection) as ctx:
                        self.assertEqual(self.client.get(url, params).status_code, 200)
                    result[(user, name, tuple(params.items()))] = len(ctx.captured_queries)
            return result

        staff(self.w, 2)
        activities(self.w, 2)
        audit(self.w, 2)
        small = counts()
        staff(self.w, 60, start=2)
        activities(self.w, 60, start=2)
        audit(self.w, 60, start=2)
        self.assertEqual(counts(), small)

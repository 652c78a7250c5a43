"""The quarters due / overdue on the homes (issue 10 §5-6), computed in the database: more overdue quarters than a
section shows, across many contracts, give the same total and first items as the rule written out in Python."""

from datetime import date
from unittest import mock

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalportal.periods import Quarter
from oversight.todo import SECTION_LIMIT, active_contracts, todo_for, when
from stations.models import Contract, QuarterSubmission
from stations.submissions import quarter_statuses
from tests.indicators.factories import build_world

TODAY = date(2025, 12, 20)  # 2024 Q4 to 2025 Q3 are overdue (2025 Q3 since 2025-10-15), 2025 Q4 is due


def copy_contract(template: Contract, code: str, **dates) -> Contract:
    contract = Contract.objects.get(pk=template.pk)
    contract.pk = None
    contract.code = code
    for name, value in dates.items():
        setattr(contract, name, value)
    contract.save()
    return contract


def submission(contract, quarter: Quarter, status: str) -> None:
    QuarterSubmission.objects.create(contract=contract, year=quarter.year, quarter=quarter.quarter, status=status,
                                     return_reason="补充" if status == "returned" else "")


def rule(contracts, today: date, *, street: bool) -> list:
    """The quarters to list, as the homes computed them in Python before (every quarter of every running contract)."""
    statuses = [
        s for s in quarter_statuses(active_contracts(contracts, today), today)
        if not s.locked and s.status != QuarterSubmission.Status.RETURNED and (street or s.overdue)
    ]
    statuses.sort(key=lambda s: (s.deadline, s.contract.code))
    return [(f"{s.contract.station.name} · {s.quarter.label}",
             reverse("quarter_entry", args=[s.contract.code, s.quarter.slug]), s.status_label, s.deadline, s.overdue,
             when(s.deadline, today)) for s in statuses]


def shown(section) -> list:
    return [(i.title, i.url, i.detail, i.due, i.overdue, i.when) for i in section.items]


class OverdueQuartersTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)
        template = cls.w.same_district  # 逢源 (荔湾), 2024-12-11 → 2025-12-10
        cls.late = [copy_contract(template, f"late-{i}") for i in range(6)]
        submission(cls.late[0], Quarter(2025, 1), "submitted")
        submission(cls.late[1], Quarter(2024, 4), "approved")
        submission(cls.late[2], Quarter(2025, 2), "returned")
        submission(cls.late[3], Quarter(2025, 3), "draft")  # still to submit
        copy_contract(template, "late-short", start_date=date(2025, 5, 1))  # from 2025 Q2
        copy_contract(template, "ended", end_date=date(2025, 6, 30))  # ended beyond the grace period: left out
        copy_contract(cls.w.other_district, "late-by")  # 白云区: not the 荔湾 bureau's

    def test_bureau_overdue_section_across_many_contracts(self):
        due = {s.key: s for s in todo_for(self.w.users["bureau_lw"], TODAY).sections}["due"]
        # xi-2024, fe-2024 and late-0..5: 4 overdue quarters each, less 3 submitted / approved / returned; late-short: 2
        self.assertEqual(due.total, 8 * 4 - 3 + 2)
        self.assertEqual((len(due.items), due.more), (SECTION_LIMIT, due.total - SECTION_LIMIT))
        self.assertEqual(
            [i.url for i in due.items[:8]],
            [reverse("quarter_entry", args=[code, slug]) for code, slug in [
                ("fe-2024", "2024-Q4"), ("late-0", "2024-Q4"), ("late-2", "2024-Q4"), ("late-3", "2024-Q4"),
                ("late-4", "2024-Q4"), ("late-5", "2024-Q4"), ("xi-2024", "2024-Q4"), ("fe-2024", "2025-Q1"),
            ]],
        )
        first = due.items[0]
        self.assertEqual((first.detail, first.due, first.overdue, first.when),
                         ("填报中", date(2025, 1, 15), True, f"已逾期 {(TODAY - date(2025, 1, 15)).days} 天"))
        expected = rule(Contract.objects.filter(station__street__district=self.w.contract.station.street.district),
                        TODAY, street=False)
        self.assertEqual(len(expected), due.total)
        self.assertEqual(shown(due), expected[:SECTION_LIMIT])
        with mock.patch("oversight.todo.COUNT_CAP", 20):  # counted up to 21 of the 31; the same first items
            capped = {s.key: s for s in todo_for(self.w.users["bureau_lw"], TODAY).sections}["due"]
            self.assertEqual((capped.total, capped.capped, shown(capped)), (21, True, expected[:SECTION_LIMIT]))

    def test_same_items_as_the_rule_for_every_role_and_day(self):
        scopes = {
            "bureau_lw": Contract.objects.filter(station__street__district=self.w.contract.station.street.district),
            "street_fy": Contract.objects.filter(station=self.w.same_district.station),
            "street_xc": Contract.objects.filter(station=self.w.contract.station),
        }
        for day in (date(2024, 12, 1), date(2025, 1, 15), date(2025, 1, 16), date(2025, 4, 20), TODAY,
                    date(2026, 1, 16), date(2026, 4, 9), date(2026, 4, 10)):
            for username, contracts in scopes.items():
                with self.subTest(day=day, user=username):
                    street = username.startswith("street")
                    due = {s.key: s for s in todo_for(self.w.users[username], day).sections}["due"]
                    expected = rule(contracts, day, street=street)
                    self.assertEqual((due.total, shown(due)), (len(expected), expected[:SECTION_LIMIT]))

    def test_home_query_counts_do_not_grow_with_overdue_contracts(self):
        def count(username):
            self.client.force_login(self.w.users[username])
            self.client.get(reverse("home"))
            with CaptureQueriesContext(connection) as ctx:
                self.assertEqual(self.client.get(reverse("home")).status_code, 200)
            return len(ctx.captured_queries)

        with mock.patch("oversight.views.timezone.localdate", return_value=TODAY):
            small = {u: count(u) for u in ("bureau_lw", "street_fy")}
            for i in range(30):
                copy_contract(self.w.same_district, f"more-{i}")
            large = {u: count(u) for u in ("bureau_lw", "street_fy")}
        self.assertEqual(large, small)

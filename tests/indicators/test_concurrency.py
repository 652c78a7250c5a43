"""Two people saving the same quarter at the same moment (issue 3 §7), on PostgreSQL with two connections.

Each thread opens its own database connection. Both load version 0 of the same empty cell; the first to take the
quarter's row lock saves; the second waits for the lock, then sees the new version and is refused with the other
person's value. Nothing is lost: exactly one value is stored and the refusal names it.
"""

import threading
from datetime import date
from decimal import Decimal
from unittest import skipUnless

from django.db import connection, connections
from django.test import TransactionTestCase

from evalportal.edits import ConcurrentEdit
from evalportal.periods import Quarter
from indicators.changes import CellChange
from indicators.models import MonthlyActual
from indicators.services import actuals_save
from stations.changes import StaffMonthChange
from stations.models import AuditEntry, QuarterSubmission, StaffMember, StaffMonth
from stations.services import staff_months_save

from .factories import build_world

Q1 = Quarter(2025, 1)
JAN = date(2025, 1, 1)


@skipUnless(connection.vendor == "postgresql", "select_for_update 在 SQLite 上不加锁：并发测试只在 PostgreSQL 上运行")
class ConcurrentSaveTests(TransactionTestCase):
    def setUp(self):
        self.w = build_world(n_areas=1)
        # the quarter row exists, as after anyone's first visit
        QuarterSubmission.objects.create(contract=self.w.contract, year=2025, quarter=1)

    def race(self, jobs):
        """Run the callables at the same time, each in its own thread (own connection); return results/errors."""
        barrier = threading.Barrier(len(jobs))
        results = [None] * len(jobs)

        def run(i, job):
            try:
                barrier.wait()
                results[i] = job()
            except Exception as exc:  # collected for the assertions
                results[i] = exc
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        return results

    def test_second_save_of_the_same_cell_is_refused_and_shows_the_first(self):
        area, visit = self.w.areas[0], self.w.indicators["home_visit"]

        def save(user, value):
            return lambda: actuals_save(contract=self.w.contract, quarter=Q1, user=self.w.users[user],
                                        changes=[CellChange(area.pk, visit.pk, JAN, Decimal(value), 0)])

        results = self.race([save("street_xc", 120), save("admin", 150)])
        errors = [r for r in results if isinstance(r, Exception)]
        self.assertEqual(len(errors), 1, results)
        self.assertIsInstance(errors[0], ConcurrentEdit)
        stored = MonthlyActual.objects.get()
        conflict = errors[0].conflicts[0]
        self.assertEqual(conflict.current_value, f"{stored.value:.0f}")
        self.assertEqual(conflict.label, "片区1 · 入户探访 · 2025年1月")
        self.assertEqual(conflict.changed_by, stored.updated_by.display_name)
        self.assertEqual(stored.version, 1)
        self.assertEqual(AuditEntry.objects.count(), 1)

    def test_different_cells_both_save(self):
        area, visit, call = self.w.areas[0], self.w.indicators["home_visit"], self.w.indicators["phone_call"]

        def save(indicator, value):
            return lambda: actuals_save(contract=self.w.contract, quarter=Q1, user=self.w.users["street_xc"],
                                        changes=[CellChange(area.pk, indicator.pk, JAN, Decimal(value), 0)])

        results = self.race([save(visit, 1), save(call, 2)])
        self.assertFalse([r for r in results if isinstance(r, Exception)], results)
        self.assertEqual(MonthlyActual.objects.count(), 2)
        self.assertEqual(QuarterSubmission.objects.get().version, 3)

    def test_staff_month_race(self):
        staff = StaffMember.objects.create(contract=self.w.contract, order=1, name="并发测试", position="area_worker",
                                           certificate="none")

        def save(value):
            return lambda: staff_months_save(
                contract=self.w.contract, quarter=Q1, user=self.w.users["street_xc"],
                changes=[StaffMonthChange(staff.pk, JAN, Decimal(value), False, False, 0)])

        results = self.race([save("1"), save("0.5")])
        errors = [r for r in results if isinstance(r, Exception)]
        self.assertEqual(len(errors), 1, results)
        self.assertIsInstance(errors[0], ConcurrentEdit)
        self.assertEqual(StaffMonth.objects.count(), 1)

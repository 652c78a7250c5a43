"""The staff on-post table (seed 001 附件2) reproduced from the demo data, with a constant query count."""

from datetime import date
from decimal import Decimal

from django.test import TestCase

from demo.loader import demo_load
from indicators.calculations import format_percent, round_half_up
from stations.models import Contract, StaffMember, StaffMonth
from stations.selectors import staff_on_post_table

D = Decimal
START, END = date(2024, 12, 11), date(2025, 4, 30)


class StaffTableSeed001Tests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()
        cls.contract = Contract.objects.get(code="xicun-2024")

    def setUp(self):
        self.table = staff_on_post_table(self.contract, START, END)

    def test_every_attachment_2_figure(self):
        f = self.table.figures
        cases = [
            ("持证社工有效人次小计", f.certified_effective, D("77.5")),
            ("持证2年以上到岗小计", f.certified_two_years, D(61)),
            ("非持证社工有效人次小计", f.uncertified_effective, D(15)),
            ("非持证2年以上到岗小计", f.uncertified_two_years, D(10)),
            ("社工有效人次总数", f.total_effective, D("92.5")),
            ("2年以上总数", f.total_two_years, D(71)),
            ("应到岗", f.required, D(65)),
            ("超配", f.surplus, D("12.5")),
            ("培训时数", f.training_hours, D("783.5")),
        ]
        for label, value, expected in cases:
            with self.subTest(figure=label):
                self.assertEqual(value, expected)
        self.assertEqual(format_percent(f.two_years_share), "76.76%")
        self.assertEqual(format_percent(f.retention_rate), "70.00%")
        self.assertEqual(f.continuing_staff, 14)
        self.assertEqual(f.required_staff, 20)
        self.assertEqual(round_half_up(f.training_hours_per_worker_month, 2), D("8.47"))

    def test_rows_and_monthly_subtotals(self):
        t = self.table
        self.assertEqual([r.staff.order for r in t.certified_rows], list(range(1, 21)))
        self.assertEqual([r.staff.order for r in t.uncertified_rows], [21, 22, 23, 24])
        self.assertEqual(
            [(s.heads, s.effective, s.social_insurance, s.salary_paid) for s in t.certified_subtotals],
            [(16, D(16), 16, 16), (18, D(18), 18, 18), (17, D(17), 17, 17), (14, D("13.5"), 14, 14),
             (13, D(13), 13, 13)],
        )
        self.assertEqual([s.effective for s in t.uncertified_subtotals], [D(4), D(4), D(3), D(2), D(2)])
        self.assertEqual([s.heads for s in t.total_subtotals], [20, 22, 20, 16, 15])
        self.assertEqual([s.effective for s in t.total_subtotals], [D(20), D(22), D(20), D("15.5"), D(15)])

    def test_per_person_patterns(self):
        rows = {r.staff.order: r for r in self.table.certified_rows + self.table.uncertified_rows}
        cases = {
            1: ("5", "5"), 2: ("3", "3"), 8: ("1", "1"), 13: ("5", "0"), 14: ("5", "0"), 15: ("3.5", "0"),
            16: ("3", "0"), 17: ("2", "2"), 18: ("1", "1"), 19: ("2", "2"), 20: ("2", "2"), 21: ("5", "5"),
            22: ("5", "5"), 23: ("3", "0"), 24: ("2", "0"),
        }
        for order, (effective, two_years) in cases.items():
            with self.subTest(worker=order):
                self.assertEqual(rows[order].effective, D(effective))
                self.assertEqual(rows[order].two_years, D(two_years))
        self.assertEqual([m.on_post if m else None for m in rows[15].months], [1, 1, 1, D("0.5"), None])
        self.assertEqual([m is not None for m in rows[2].months], [False, False, True, True, True])
        self.assertTrue(all(m.social_insurance and m.salary_paid for m in rows[15].months if m))
        self.assertEqual(rows[2].staff.title, "一片区主管")

    def test_qualifications_on_post_at_the_end_of_the_period(self):
        self.assertEqual(self.table.intermediate_at_end, 7)
        self.assertEqual(self.table.assistant_at_end, 6)

    def test_staff_without_a_month_in_the_period_are_left_out(self):
        table = staff_on_post_table(self.contract, date(2025, 3, 1), date(2025, 4, 30))
        orders = [r.staff.order for r in table.certified_rows + table.uncertified_rows]
        self.assertEqual(orders, [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 21, 22])
        self.assertEqual(table.figures.required, D(26))

    def test_query_count_is_constant(self):
        with self.assertNumQueries(3):
            staff_on_post_table(self.contract, START, END)
        clone = self.contract
        extra = [
            StaffMember(contract=clone, order=100 + i, name=f"测试社工{i}", position="area_worker",
                        certificate="assistant", two_years_practice=True)
            for i in range(30)
        ]
        StaffMember.objects.bulk_create(extra)
        StaffMonth.objects.bulk_create(
            StaffMonth(staff=s, month=m, on_post=D(1), social_insurance=True, salary_paid=True)
            for s in StaffMember.objects.filter(order__gte=100) for m in self.table.months
        )
        with self.assertNumQueries(3):
            bigger = staff_on_post_table(self.contract, START, END)
        self.assertEqual(len(bigger.certified_rows), 50)

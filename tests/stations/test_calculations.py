"""Pure staff on-post rules (stations/calculations.py) against seed 001 附件2."""

from datetime import date
from decimal import Decimal

from django.test import SimpleTestCase

from indicators.calculations import format_percent, round_half_up
from stations.calculations import StaffFacts, StaffMonthFacts, month_subtotals, staff_figures

D = Decimal
MONTHS = [date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1)]
DEC, JAN, FEB, MAR, APR = MONTHS
ALL = {m: 1 for m in MONTHS}

# Seed 001 附件2: (certified, ≥2 years, {month: 人员到位}) for workers #1–#24.
SEED_001_STAFF = [
    (True, True, ALL), (True, True, {FEB: 1, MAR: 1, APR: 1}), (True, True, ALL), (True, True, ALL),
    (True, True, ALL), (True, True, ALL), (True, True, ALL), (True, True, {FEB: 1}),
    (True, True, ALL), (True, True, ALL), (True, True, ALL), (True, True, ALL),
    (True, False, ALL), (True, False, ALL), (True, False, {DEC: 1, JAN: 1, FEB: 1, MAR: D("0.5")}),
    (True, False, {DEC: 1, JAN: 1, FEB: 1}), (True, True, {JAN: 1, FEB: 1}), (True, True, {JAN: 1}),
    (True, True, {DEC: 1, JAN: 1}), (True, True, {DEC: 1, JAN: 1}),
    (False, True, ALL), (False, True, ALL), (False, False, {DEC: 1, JAN: 1, FEB: 1}), (False, False, {DEC: 1, JAN: 1}),
]


def seed_staff() -> list[StaffFacts]:
    return [
        StaffFacts(
            certified=certified,
            two_years_practice=two_years,
            months={m: StaffMonthFacts(on_post=D(v), social_insurance=v > 0, salary_paid=v > 0) for m, v in months.items()},
        )
        for certified, two_years, months in SEED_001_STAFF
    ]


class StaffFiguresTests(SimpleTestCase):
    def setUp(self):
        self.figures = staff_figures(
            seed_staff(), MONTHS, required_certified=13, required_staff=20, training_hours=D("783.5")
        )

    def test_every_seed_001_staff_figure(self):
        f = self.figures
        cases = [
            ("持证社工有效人次", f.certified_effective, D("77.5")),
            ("持证2年以上", f.certified_two_years, D(61)),
            ("非持证有效人次", f.uncertified_effective, D(15)),
            ("非持证2年以上", f.uncertified_two_years, D(10)),
            ("有效人次总数", f.total_effective, D("92.5")),
            ("2年以上总数", f.total_two_years, D(71)),
            ("应到岗", f.required, D(65)),
            ("超配", f.surplus, D("12.5")),
            ("持续在岗", f.continuing_staff, 14),
            ("月数", f.months, 5),
        ]
        for label, value, expected in cases:
            with self.subTest(figure=label):
                self.assertEqual(value, expected)
        self.assertEqual(format_percent(f.two_years_share), "76.76%")
        self.assertEqual(format_percent(f.retention_rate), "70.00%")
        self.assertEqual(round_half_up(f.training_hours_per_worker_month, 2), D("8.47"))

    def test_monthly_totals(self):
        totals = [(s.heads, s.effective, s.social_insurance, s.salary_paid) for s in self.figures.per_month]
        self.assertEqual(
            totals,
            [(20, D(20), 20, 20), (22, D(22), 22, 22), (20, D(20), 20, 20), (16, D("15.5"), 16, 16),
             (15, D(15), 15, 15)],
        )

    def test_certified_and_uncertified_subtotals(self):
        staff = seed_staff()
        certified = month_subtotals([s for s in staff if s.certified], MONTHS)
        uncertified = month_subtotals([s for s in staff if not s.certified], MONTHS)
        self.assertEqual([s.effective for s in certified], [D(16), D(18), D(17), D("13.5"), D(13)])
        self.assertEqual([s.heads for s in certified], [16, 18, 17, 14, 13])
        self.assertEqual([s.effective for s in uncertified], [D(4), D(4), D(3), D(2), D(2)])

    def test_per_person_subtotals(self):
        staff = seed_staff()
        cases = [(1, D(3), D(3)), (7, D(1), D(1)), (12, D(5), D(0)), (14, D("3.5"), D(0)), (16, D(2), D(2)),
                 (17, D(1), D(1)), (22, D(3), D(0)), (23, D(2), D(0))]
        for index, effective, two_years in cases:
            with self.subTest(worker=index + 1):
                self.assertEqual(staff[index].effective(MONTHS), effective)
                self.assertEqual(staff[index].two_years_effective(MONTHS), two_years)

    def test_continuing_needs_a_full_month_every_month(self):
        staff = seed_staff()
        self.assertTrue(staff[0].continuing(MONTHS))
        self.assertFalse(staff[14].continuing(MONTHS))  # 0.5 in March
        self.assertFalse(staff[1].continuing(MONTHS))  # transferred in February
        self.assertFalse(staff[0].continuing([]))

    def test_empty_period_and_missing_inputs(self):
        f = staff_figures([], [], required_certified=13, required_staff=0)
        self.assertEqual(f.required, D(0))
        self.assertIsNone(f.two_years_share)
        self.assertIsNone(f.retention_rate)
        self.assertIsNone(f.training_hours_per_worker_month)
        short = staff_figures(seed_staff()[:2], MONTHS, required_certified=13, required_staff=20)
        self.assertEqual(short.surplus, D(-57))

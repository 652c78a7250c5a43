"""Pure indicator rules (indicators/calculations.py) against the published figures of seed 001 附件1."""

from datetime import date
from decimal import Decimal

from django.test import SimpleTestCase

from indicators import calculations as calc

D = Decimal

# Seed 001 附件1, (片区, indicator, 协议量, 完成量, 百分比) — both tables, every 片区 and 合计.
SEED_001_AREA_FIGURES = [
    ("片区一", "建档", 742, 742, "100.00%"), ("片区二", "建档", 431, 431, "100.00%"),
    ("片区三", "建档", 360, 360, "100.00%"), ("合计", "建档", 1533, 1533, "100.00%"),
    ("片区一", "入户探访", 700, 538, "76.86%"), ("片区二", "入户探访", 400, 298, "74.50%"),
    ("片区三", "入户探访", 300, 175, "58.33%"), ("合计", "入户探访", 1400, 1011, "72.21%"),
    ("片区一", "电访", 1724, 1855, "107.60%"), ("片区二", "电访", 1724, 862, "50.00%"),
    ("片区三", "电访", 862, 498, "57.77%"), ("合计", "电访", 4310, 3215, "74.59%"),
    ("片区一", "接案数", 16, 11, "68.75%"), ("片区二", "接案数", 16, 12, "75.00%"),
    ("片区三", "接案数", 8, 4, "50.00%"), ("合计", "接案数", 40, 27, "67.50%"),
    ("片区一", "个案节数", 96, 69, "71.88%"), ("片区二", "个案节数", 96, 71, "73.96%"),
    ("片区三", "个案节数", 48, 20, "41.67%"), ("合计", "个案节数", 240, 160, "66.67%"),
    ("片区一", "结案数", 13, 7, "53.85%"), ("片区二", "结案数", 13, 8, "61.54%"),
    ("片区三", "结案数", 6, 4, "66.67%"), ("合计", "结案数", 32, 19, "59.38%"),
    ("片区一", "小组个数", 4, 2, "50.00%"), ("片区二", "小组个数", 4, 3, "75.00%"),
    ("片区三", "小组个数", 1, 0, "0.00%"), ("合计", "小组个数", 9, 5, "55.56%"),
    ("片区一", "小组节数", 24, 7, "29.17%"), ("片区二", "小组节数", 24, 18, "75.00%"),
    ("片区三", "小组节数", 6, 0, "0.00%"), ("合计", "小组节数", 54, 25, "46.30%"),
    ("片区一", "小组人次", 120, 46, "38.33%"), ("片区二", "小组人次", 120, 192, "160.00%"),
    ("片区三", "小组人次", 30, 0, "0.00%"), ("合计", "小组人次", 270, 238, "88.15%"),
    ("片区一", "大型次数", 6, 6, "100.00%"), ("片区二", "大型次数", 4, 4, "100.00%"),
    ("片区三", "大型次数", 5, 4, "80.00%"), ("合计", "大型次数", 15, 14, "93.33%"),
    ("片区一", "大型人次", 600, 534, "89.00%"), ("片区二", "大型人次", 400, 658, "164.50%"),
    ("片区三", "大型人次", 500, 600, "120.00%"), ("合计", "大型人次", 1500, 1792, "119.47%"),
    ("片区一", "中小型次数", 20, 16, "80.00%"), ("片区二", "中小型次数", 20, 8, "40.00%"),
    ("片区三", "中小型次数", 20, 8, "40.00%"), ("合计", "中小型次数", 60, 32, "53.33%"),
    ("片区一", "中小型人次", 1000, 721, "72.10%"), ("片区二", "中小型人次", 1000, 533, "53.30%"),
    ("片区三", "中小型人次", 1000, 362, "36.20%"), ("合计", "中小型人次", 3000, 1616, "53.87%"),
]
# Seed 001 附件1, second table: station-wide indicators.
SEED_001_STATION_FIGURES = [
    ("咨询、偶到服务", "1715", "858", "50.03%"), ("老年志愿队伍培育", "2", "1", "50.00%"),
    ("联动社区社会组织", "8", "4", "50.00%"), ("培训时数", "1080", "783.5", "72.55%"),
    ("会议时数", "1080", "540", "50.00%"), ("社区基金培育", "11", "11", "100.00%"),
    ("评估工作", "2", "1", "50.00%"), ("品牌创建工作", "1715", "858", "50.03%"), ("社区调研", "4", "4", "100.00%"),
]


class CompletionRateTests(SimpleTestCase):
    def test_every_seed_001_percentage_is_reproduced_from_its_target_and_actual(self):
        for area, name, target, actual, expected in SEED_001_AREA_FIGURES:
            with self.subTest(area=area, indicator=name):
                self.assertEqual(calc.format_percent(calc.completion_rate(D(actual), D(target))), expected)

    def test_every_station_wide_percentage_is_reproduced(self):
        for name, target, actual, expected in SEED_001_STATION_FIGURES:
            with self.subTest(indicator=name):
                self.assertEqual(calc.format_percent(calc.completion_rate(D(actual), D(target))), expected)

    def test_rate_is_kept_unrounded(self):
        self.assertEqual(calc.completion_rate(D(538), D(700)), D(538) / D(700))

    def test_half_up_at_xx5_is_computed_in_decimal(self):
        cases = [
            # (actual, target, expected): float rounding would print 2.67% / 0.12% / 12.34%
            (D(107), D(4000), "2.68%"),  # 2.675 %
            (D(1), D(800), "0.13%"),  # 0.125 %
            (D(24690), D(200000), "12.35%"),  # 12.345 %
            (D(1), D(8), "12.50%"),
            (D(1), D(3), "33.33%"),
            (D(2), D(3), "66.67%"),
        ]
        for actual, target, expected in cases:
            with self.subTest(actual=actual, target=target):
                self.assertEqual(calc.format_percent(calc.completion_rate(actual, target)), expected)
        self.assertEqual(calc.round_half_up(D("0.125"), 2), D("0.13"))
        self.assertEqual(calc.round_half_up(D("2.675"), 2), D("2.68"))
        self.assertEqual(calc.round_half_up(D("-0.125"), 2), D("-0.13"))

    def test_no_target_or_zero_target_prints_slash(self):
        for actual, target in [(D(5), None), (None, None), (D(5), D(0)), (None, D(0))]:
            with self.subTest(actual=actual, target=target):
                self.assertIsNone(calc.completion_rate(actual, target))
                self.assertEqual(calc.format_percent(calc.completion_rate(actual, target)), "/")
        self.assertIsNone(calc.percent_value(None))

    def test_missing_actual_with_a_target_counts_as_nothing_done(self):
        self.assertEqual(calc.format_percent(calc.completion_rate(None, D(10))), "0.00%")

    def test_percent_value_and_quantities(self):
        self.assertEqual(calc.percent_value(D(538) / D(700)), D("76.86"))
        self.assertEqual(calc.format_quantity(D("783.5"), 1), "783.5")
        self.assertEqual(calc.format_quantity(D("1533"), 0), "1533")
        self.assertEqual(calc.format_quantity(D("523106.71"), 2), "523106.71")
        self.assertEqual(calc.format_quantity(None, 0), "/")


class TotalRateTests(SimpleTestCase):
    def test_totals_sum_targets_and_actuals_then_divide(self):
        pairs = [(D(538), D(700)), (D(298), D(400)), (D(175), D(300))]
        self.assertEqual(calc.format_percent(calc.total_rate(pairs)), "72.21%")
        mean = sum(calc.completion_rate(a, t) for a, t in pairs) / 3
        self.assertNotEqual(calc.format_percent(mean), "72.21%")  # 69.90%: a mean of % is wrong

    def test_every_seed_001_total_from_its_three_areas(self):
        rows = {}
        for area, name, target, actual, expected in SEED_001_AREA_FIGURES:
            rows.setdefault(name, {})[area] = (D(actual), D(target), expected)
        for name, by_area in rows.items():
            with self.subTest(indicator=name):
                pairs = [by_area[a][:2] for a in ("片区一", "片区二", "片区三")]
                self.assertEqual(calc.format_percent(calc.total_rate(pairs)), by_area["合计"][2])

    def test_total_over_areas_with_and_without_targets(self):
        """One 合计 rule (calculations.area_total): 完成量 = Σ every 片区's actual, 协议量 = Σ the targets there are,
        百分比 = 完成量 ÷ 协议量 — so the printed row always checks out. Issue 11: 4 / 5 / 50.00% is gone."""
        N = None
        cases = [
            # (片区 (actual, target) pairs, 协议量, 完成量, 百分比)
            ("seed 001 入户探访", [(D(538), D(700)), (D(298), D(400)), (D(175), D(300))], "1400", "1011", "72.21%"),
            ("issue 11: B has actuals, no target", [(D(1), D(4)), (D(3), N)], "4", "4", "100.00%"),
            ("A 3 of 5, B 1 untargeted", [(D(3), D(5)), (D(1), N)], "5", "4", "80.00%"),
            ("untargeted 片区 only", [(D(5), N), (N, N)], "/", "5", "/"),
            ("nothing at all", [(N, N), (N, N)], "/", "/", "/"),
            ("no 片区", [], "/", "/", "/"),
            ("targets, nothing done yet", [(N, D(10)), (N, D(20))], "30", "/", "0.00%"),
            ("a target of 0 and an untargeted 片区", [(D(2), D(0)), (D(3), N)], "0", "5", "/"),
            ("hours: 783.5 + 0.5 untargeted", [(D("783.5"), D(1080)), (D("0.5"), N)], "1080", "784", "72.59%"),
            ("seed 001 咨询个案: all /", [(N, N), (N, N), (N, N)], "/", "/", "/"),
        ]
        for label, pairs, target, actual, percent in cases:
            with self.subTest(label):
                total = calc.area_total(pairs)
                self.assertEqual(calc.format_indicator_value(total.target, "integer"), target)
                self.assertEqual(calc.format_indicator_value(total.actual, "integer"), actual)
                self.assertEqual(calc.format_percent(total.rate), percent)
                self.assertEqual(total.rate, calc.total_rate(pairs))
                if total.rate is not None:  # what is printed is what is divided
                    self.assertEqual(total.rate, total.actual / total.target if total.actual else 0)


class PeriodTests(SimpleTestCase):
    def test_months_in_period_counts_the_mid_month_start_month(self):
        months = calc.months_in_period(date(2024, 12, 11), date(2025, 4, 30))
        self.assertEqual(
            months, [date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1)]
        )

    def test_a_cutoff_mid_month_excludes_that_month(self):
        cases = [
            (date(2025, 4, 15), 4),
            (date(2025, 4, 29), 4),
            (date(2025, 4, 30), 5),
            (date(2025, 2, 28), 3),
            (date(2024, 12, 20), 0),
            (date(2024, 12, 31), 1),
        ]
        for cutoff, count in cases:
            with self.subTest(cutoff=cutoff):
                self.assertEqual(len(calc.months_in_period(date(2024, 12, 11), cutoff)), count)

    def test_contract_months_and_pace(self):
        self.assertEqual(calc.contract_months(date(2024, 12, 11), date(2025, 12, 10)), 12)
        self.assertEqual(calc.contract_months(date(2023, 1, 1), date(2023, 12, 31)), 12)
        pace = calc.contract_pace(date(2024, 12, 11), date(2025, 12, 10), date(2025, 4, 30))
        self.assertEqual((pace.elapsed, pace.total), (5, 12))
        self.assertEqual(calc.format_percent(pace.fraction), "41.67%")
        after_the_end = calc.contract_pace(date(2024, 12, 11), date(2025, 12, 10), date(2026, 6, 30))
        self.assertEqual((after_the_end.elapsed, after_the_end.fraction), (12, D(1)))
        self.assertEqual(pace.expected(D(1200)), D(500))
        self.assertEqual(pace.expected(D(742), "stock"), D(742))
        self.assertIsNone(pace.expected(None))

    def test_behind_pace(self):
        five_of_twelve = calc.Pace(elapsed=5, total=12)
        two_of_twelve = calc.Pace(elapsed=2, total=12)
        cases = [
            (five_of_twelve, D(499), D(1200), "flow", True),
            (five_of_twelve, D(500), D(1200), "flow", False),
            (five_of_twelve, D(538), D(700), "flow", False),  # 291.67 due
            (five_of_twelve, D(0), D(1), "flow", True),
            # exactly on pace: with a rounded 2/12 these came out just above 3 and 0.5 due, i.e. "behind"
            (two_of_twelve, D(3), D(18), "flow", False),
            (two_of_twelve, D("0.5"), D(3), "flow", False),
            (two_of_twelve, D("0.4"), D(3), "flow", True),
            (five_of_twelve, D(741), D(742), "stock", True),  # stock must hold the whole target
            (five_of_twelve, D(742), D(742), "stock", False),
            (five_of_twelve, D(5), None, "flow", False),
            (five_of_twelve, D(5), D(0), "flow", False),
            (five_of_twelve, None, D(12), "flow", True),
        ]
        for pace, actual, target, accumulation, behind in cases:
            with self.subTest(pace=pace, actual=actual, target=target, accumulation=accumulation):
                self.assertIs(pace.is_behind(actual, target, accumulation), behind)

    def test_behind_pace_agrees_with_exact_fractions_on_every_boundary(self):
        from fractions import Fraction

        for total in (12, 13):
            for elapsed in range(1, total + 1):
                pace = calc.Pace(elapsed=elapsed, total=total)
                for target in range(1, 400):
                    due = Fraction(target * elapsed, total)
                    for actual in (due, due - Fraction(1, 10)):
                        decimal_actual = D(actual.numerator) / D(actual.denominator)
                        if Fraction(decimal_actual) != actual:  # not a finite decimal (2/13): nobody enters it
                            continue
                        self.assertIs(
                            pace.is_behind(decimal_actual, D(target)), actual < due, (elapsed, total, target, actual)
                        )

    def test_add_months_clamps_to_month_end(self):
        self.assertEqual(calc.add_months(date(2025, 1, 31), 1), date(2025, 2, 28))
        self.assertEqual(calc.add_months(date(2024, 12, 11), 1), date(2025, 1, 11))


class AccumulateTests(SimpleTestCase):
    months = (date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1))

    def test_flow_adds_up_the_months(self):
        values = dict(zip(self.months, [D(74), D(114), D(92), D(126), D(132)], strict=True))
        self.assertEqual(calc.accumulate(values, "flow", self.months), D(538))
        self.assertEqual(calc.accumulate(values, "flow", self.months[:2]), D(188))

    def test_flow_keeps_half_hours(self):
        values = dict(zip(self.months, [D("108.5"), D("166.5"), D("133.5"), D("183.5"), D("191.5")], strict=True))
        self.assertEqual(calc.accumulate(values, "flow", self.months), D("783.5"))

    def test_stock_takes_the_latest_month_with_a_value(self):
        values = dict(zip(self.months, [D(726), D(731), D(735), D(739), D(742)], strict=True))
        self.assertEqual(calc.accumulate(values, "stock", self.months), D(742))
        self.assertEqual(calc.accumulate(values, "stock", self.months[:3]), D(735))
        gap = {self.months[0]: D(700), self.months[2]: D(710)}
        self.assertEqual(calc.accumulate(gap, "stock", self.months), D(710))

    def test_months_outside_the_period_are_ignored_and_nothing_is_none(self):
        values = {date(2024, 11, 1): D(50), self.months[0]: D(1)}
        self.assertEqual(calc.accumulate(values, "flow", self.months), D(1))
        self.assertIsNone(calc.accumulate({}, "flow", self.months))
        self.assertIsNone(calc.accumulate({date(2024, 11, 1): D(5)}, "stock", self.months))


class MoneyTests(SimpleTestCase):
    def test_tranches_55_40_5_of_the_zhongluotan_budget(self):
        budget = D("1984500.00")
        cases = [(D(55), D("1091475.00")), (D(40), D("793800.00")), (D(5), D("99225.00"))]
        for percentage, amount in cases:
            with self.subTest(percentage=percentage):
                self.assertEqual(calc.tranche_amount(budget, percentage), amount)
        self.assertEqual(sum(calc.tranche_amount(budget, p) for p, _ in cases), budget)

    def test_wan_and_budget_rates(self):
        self.assertEqual(calc.to_wan(D("2400000.00")), D("240.00"))
        self.assertEqual(calc.to_wan(D("2448000.00")), D("244.80"))
        self.assertEqual(calc.to_wan(D("1984500.00")), D("198.45"))
        self.assertEqual(calc.execution_rate(D("2448000"), D("2448000")), D(1))
        self.assertEqual(calc.adjustment_rate(D("2448000"), D("2448000")), D(0))
        self.assertEqual(calc.format_percent(calc.adjustment_rate(D("2400000"), D("4600000"))), "91.67%")
        self.assertIsNone(calc.adjustment_rate(D(0), D(5)))
        self.assertIsNone(calc.execution_rate(D(5), None))


class RateCellTests(SimpleTestCase):
    def test_rate_cell(self):
        self.assertEqual(calc.RateCell(target=D(1500), actual=D(1792)).percent, "119.47%")
        self.assertEqual(calc.RateCell(target=None, actual=None).percent, "/")


class FormatIndicatorValueTests(SimpleTestCase):
    def test_values_print_as_in_seed_001_annex_1(self):
        cases = [
            (Decimal("1080"), "hours", "1080"),
            (Decimal("783.5"), "hours", "783.5"),
            (Decimal("540.00"), "hours", "540"),
            (Decimal("1533"), "integer", "1533"),
            (Decimal("523106.71"), "money", "523106.71"),
            (Decimal("2400000"), "money", "2400000.00"),
            (None, "integer", "/"),
        ]
        for value, value_type, expected in cases:
            with self.subTest(value=value, value_type=value_type):
                self.assertEqual(calc.format_indicator_value(value, value_type), expected)

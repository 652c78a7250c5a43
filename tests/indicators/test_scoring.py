"""Pure scoring rules (indicators/scoring.py): grade bands, party points, rubric points, seed 002's tree."""

import math
from decimal import Decimal
from fractions import Fraction

from django.test import SimpleTestCase

from indicators import scoring
from indicators.calculations import format_percent, round_half_up

D = Decimal


class GradeTests(SimpleTestCase):
    def test_evaluation_grade_bands(self):
        cases = [
            ("0", "fail", "不合格"), ("59.99", "fail", "不合格"), ("60", "pass", "合格"), ("79.99", "pass", "合格"),
            ("80", "good", "良好"), ("89.08", "good", "良好"), ("89.99", "good", "良好"), ("90", "excellent", "优秀"),
            ("100", "excellent", "优秀"),
        ]
        for total, code, label in cases:
            with self.subTest(total=total):
                self.assertEqual(scoring.evaluation_grade(D(total)), (code, label))

    def test_performance_grade_bands(self):
        cases = [
            ("59.99", "poor", "差"), ("60", "medium", "中"), ("79.99", "medium", "中"), ("80", "good", "良"),
            ("89.99", "good", "良"), ("90", "excellent", "优"), ("95.478", "excellent", "优"),
        ]
        for total, code, label in cases:
            with self.subTest(total=total):
                self.assertEqual(scoring.performance_grade(D(total)), (code, label))

    def test_band_is_decided_on_the_printed_total(self):
        self.assertEqual(scoring.evaluation_grade(D("89.995"))[0], "excellent")
        self.assertEqual(scoring.evaluation_grade(D("89.994"))[0], "good")
        self.assertEqual(scoring.performance_grade(D("59.995"))[0], "medium")


class PartyPointsTests(SimpleTestCase):
    def test_points_from_score_100(self):
        cases = [("83.0", "10", "8.30"), ("92.0", "15", "13.80"), ("100", "20", "20.00"), ("85.5", "55", "47.03")]
        for score, weight, points in cases:
            with self.subTest(score=score, weight=weight):
                self.assertEqual(scoring.points_from_score_100(D(score), D(weight)), D(points))

    def test_points_from_rubric_gives_the_published_third_party_points(self):
        self.assertEqual(scoring.points_from_rubric(D("80.3"), D("94"), D("55")), D("46.98"))
        self.assertEqual(scoring.points_from_rubric(D("94"), D("94"), D("55")), D("55.00"))
        with self.assertRaisesMessage(ValueError, "评估指标总分值不能为 0。"):
            scoring.points_from_rubric(D("1"), D("0"), D("55"))

    def test_rubric_points_round_the_exact_quotient_once(self):
        """Issue 11 §5: on an 88-point rubric a raw 13.0 of weight 55 is exactly 8.125 → 8.13 (was 8.12)."""
        cases = [
            ("13.0", "88", "8.13"),  # 715/88 = 8.125
            ("80.3", "94", "46.98"),  # seed 001 §七
            ("0", "88", "0.00"),
            ("88", "88", "55.00"),
            ("4.0", "55", "4.00"),
            ("1.0", "22", "2.50"),  # 55/22 = 2.5 exactly
            ("0.1", "88", "0.06"),  # 0.0625
        ]
        for raw, raw_max, points in cases:
            with self.subTest(raw=raw, raw_max=raw_max):
                self.assertEqual(scoring.points_from_rubric(D(raw), D(raw_max), D("55")), D(points))
                self.assertEqual(str(scoring.points_from_rubric(D(raw), D(raw_max), D("55"))), points)

    def test_rubric_points_agree_with_fractions_for_every_total_from_50_to_150(self):
        """Exhaustive: every rubric total 50–150 and every raw score 0.0 … total in 0.1 steps (101,101 cases), against
        an independent exact reference: floor(raw × 55 ÷ total × 100 + ½) ÷ 100 in `fractions.Fraction`."""
        weight = Fraction(55)
        half = Fraction(1, 2)
        for raw_max in range(50, 151):
            with self.subTest(raw_max=raw_max):
                wrong = []
                for tenths in range(raw_max * 10 + 1):
                    exact = Fraction(tenths, 10) * weight / raw_max
                    expected = Decimal(math.floor(exact * 100 + half)) / 100
                    got = scoring.points_from_rubric(Decimal(tenths).scaleb(-1), D(raw_max), D("55"))
                    if got != expected or got.as_tuple().exponent != -2:
                        wrong.append((tenths, str(got), str(expected)))
                self.assertEqual(wrong, [])

    def test_four_party_total(self):
        total = scoring.evaluation_total([D("20.00"), D("8.30"), D("13.80"), D("46.98")])
        self.assertEqual(total, D("89.08"))
        self.assertEqual(scoring.evaluation_grade(total), ("good", "良好"))


def seed_002_tree() -> list[scoring.IndicatorNode]:
    """Seed 002 §四(一): 3 一级, 8 二级 (效益's two are leaves), points on the leaves."""
    N = scoring.IndicatorNode

    def leaf(name, mx, sc, level=3):
        return N(name=name, level=level, max_points=D(mx), score=D(sc))

    return [
        N("过程", 1, children=[
            N("资金管理", 2, children=[leaf("预算执行率", "12", "12")]),
            N("业务管理", 2, children=[leaf("每季度督查", "15", "13")]),
        ]),
        N("产出指标", 1, children=[
            N("数量指标", 2, children=[
                leaf("总服务时长", "5", "5"), leaf("社工站人员到位率", "5", "5"), leaf("服务指标数量", "10", "10"),
            ]),
            N("质量指标", 2, children=[leaf("第三方评估结果", "15", "14")]),
            N("时效指标", 2, children=[leaf("项目开展及时性", "10", "10")]),
            N("成本指标", 2, children=[leaf("服务保障费", "5", "5"), leaf("中标机构管理费", "3", "3")]),
        ]),
        N("效益指标", 1, children=[
            leaf("社工服务站的社会知晓率", "10", "9.5", level=2),
            leaf("服务对象满意度", "10", "8.978", level=2),
        ]),
    ]


class TreeTests(SimpleTestCase):
    def test_seed_002_totals(self):
        max_total, score_total = scoring.tree_totals(seed_002_tree())
        self.assertEqual(max_total, D(100))
        self.assertEqual(score_total, D("95.478"))
        self.assertEqual(round_half_up(score_total, 2), D("95.48"))
        self.assertEqual(scoring.performance_grade(score_total), ("excellent", "优"))

    def test_seed_002_every_score_rate(self):
        expected = {
            "过程": ("27", "25", "92.59%"), "产出指标": ("53", "52", "98.11%"), "效益指标": ("20", "18.478", "92.39%"),
            "资金管理": ("12", "12", "100.00%"), "业务管理": ("15", "13", "86.67%"), "数量指标": ("20", "20", "100.00%"),
            "质量指标": ("15", "14", "93.33%"), "时效指标": ("10", "10", "100.00%"), "成本指标": ("8", "8", "100.00%"),
            "社工服务站的社会知晓率": ("10", "9.5", "95.00%"), "服务对象满意度": ("10", "8.978", "89.78%"),
            "每季度督查": ("15", "13", "86.67%"), "第三方评估结果": ("15", "14", "93.33%"),
        }
        nodes = {}

        def walk(node):
            nodes[node.name] = node
            for child in node.children:
                walk(child)

        for root in seed_002_tree():
            walk(root)
        for name, (mx, sc, percent) in expected.items():
            with self.subTest(node=name):
                node = nodes[name]
                self.assertEqual(node.total_max, D(mx))
                self.assertEqual(node.total_score, D(sc))
                self.assertEqual(format_percent(node.rate), percent)

    def test_score_rate(self):
        self.assertEqual(format_percent(scoring.score_rate(D(13), D(15))), "86.67%")
        self.assertIsNone(scoring.score_rate(None, D(10)))
        self.assertIsNone(scoring.score_rate(D(1), D(0)))

    def test_nodes_without_points_have_no_totals(self):
        node = scoring.IndicatorNode("数量指标", 2, children=[scoring.IndicatorNode("专业个案数", 3)])
        self.assertIsNone(node.total_max)
        self.assertIsNone(node.total_score)
        self.assertIsNone(node.rate)

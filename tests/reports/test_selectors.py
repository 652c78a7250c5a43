"""Report selectors: seed 002's indicator tree, seed 001's four-party summary and rubric, from the demo data."""

from decimal import Decimal

from django.test import TestCase

from demo.loader import demo_load
from indicators.calculations import format_percent, round_half_up
from reports.models import Evaluation, PartyScore, PerformanceEvaluation
from reports.selectors import evaluation_summary, performance_tree, rubric_summary

D = Decimal


def flatten(nodes):
    for node in nodes:
        yield node
        yield from flatten(node.children)


class PerformanceTreeSeed002Tests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()
        cls.pe = PerformanceEvaluation.objects.get(code="jingtai-2023")

    def test_every_points_score_and_rate_of_seed_002(self):
        tree = performance_tree(self.pe)
        expected = [
            # (level, name, 分值, 得分 as printed, 得分率)
            (1, "过程", "27.00", "25.00", "92.59%"),
            (2, "资金管理", "12.00", "12.00", "100.00%"),
            (3, "预算执行率", "12.00", "12.00", "100.00%"),
            (2, "业务管理", "15.00", "13.00", "86.67%"),
            (3, "每季度督查", "15.00", "13.00", "86.67%"),
            (1, "产出指标", "53.00", "52.00", "98.11%"),
            (2, "数量指标", "20.00", "20.00", "100.00%"),
            (3, "总服务时长", "5.00", "5.00", "100.00%"),
            (3, "社工站人员到位率", "5.00", "5.00", "100.00%"),
            (3, "服务指标数量", "10.00", "10.00", "100.00%"),
            (2, "质量指标", "15.00", "14.00", "93.33%"),
            (3, "第三方评估结果", "15.00", "14.00", "93.33%"),
            (2, "时效指标", "10.00", "10.00", "100.00%"),
            (3, "项目开展及时性", "10.00", "10.00", "100.00%"),
            (2, "成本指标", "8.00", "8.00", "100.00%"),
            (3, "服务保障费", "5.00", "5.00", "100.00%"),
            (3, "中标机构管理费", "3.00", "3.00", "100.00%"),
            (1, "效益指标", "20.00", "18.48", "92.39%"),
            (2, "社工服务站的社会知晓率", "10.00", "9.50", "95.00%"),
            (2, "服务对象满意度", "10.00", "8.98", "89.78%"),
        ]
        nodes = list(flatten(tree.roots))
        self.assertEqual([(n.level, n.name) for n in nodes], [(lv, name) for lv, name, *_ in expected])
        for node, (_, name, mx, score, percent) in zip(nodes, expected, strict=True):
            with self.subTest(node=name):
                self.assertEqual(f"{round_half_up(node.total_max, 2)}", mx)
                self.assertEqual(f"{round_half_up(node.total_score, 2)}", score)
                self.assertEqual(node.percent, percent)

    def test_totals_grade_and_structure(self):
        tree = performance_tree(self.pe)
        self.assertEqual(tree.max_total, D(100))
        self.assertEqual(tree.score_total, D("95.478"))
        self.assertEqual(f"{round_half_up(tree.score_total, 2)}", "95.48")
        self.assertEqual(tree.grade, ("excellent", "优"))
        self.assertEqual(format_percent(tree.rate), "95.48%")
        self.assertEqual(tree.level_counts, {1: 3, 2: 8, 3: 9})
        self.assertEqual(len(tree.leaves), 11)
        satisfaction = tree.roots[2].children[1]
        self.assertTrue(satisfaction.is_leaf)
        self.assertEqual(satisfaction.indicator.score, D("8.978"))
        self.assertIn("89.78%", satisfaction.indicator.reason)

    def test_budget(self):
        self.assertEqual(
            (self.pe.budget_initial, self.pe.budget_full_year, self.pe.budget_executed),
            (D("2400000.00"), D("4600000.00"), D("4600000.00")),
        )

    def test_one_query(self):
        with self.assertNumQueries(1):
            performance_tree(self.pe)


class PerformanceTreeSeed000Tests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()
        cls.pe = PerformanceEvaluation.objects.get(code="xicun-2022")

    def test_twenty_judged_indicators_in_nine_categories(self):
        tree = performance_tree(self.pe)
        self.assertIsNone(tree.max_total)
        self.assertIsNone(tree.grade)
        self.assertEqual(tree.level_counts[3], 20)
        counts = {c.name: len(c.children) for root in tree.roots for c in root.children}
        self.assertEqual(
            counts,
            {"数量指标": 7, "质量指标": 2, "时效指标": 1, "成本指标": 2, "社会效益指标": 3, "经济效益指标": 1,
             "生态效益指标": 1, "可持续影响指标": 1, "服务对象满意度指标": 2},
        )
        partly = [leaf for leaf in tree.leaves if leaf.indicator.judgement == "partly"]
        self.assertEqual([leaf.name for leaf in partly], ["社工站人员费用及服务保障费用支出占比", "承接机构运营总经费占比"])
        self.assertEqual(partly[0].judgement_label, "未完全达到")
        self.assertEqual(partly[0].indicator.target_text, "≥85%")
        self.assertIn("疫情期间", partly[0].indicator.reason)
        self.assertTrue(all(leaf.indicator.judgement == "met" for leaf in tree.leaves if leaf not in partly))
        self.assertEqual(tree.leaves[0].judgement_label, "达到")


class EvaluationSummaryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()
        cls.evaluation = Evaluation.objects.get(code="xicun-2024-mid")

    def test_four_parties_in_report_order_with_the_frozen_total(self):
        with self.assertNumQueries(1):
            summary = evaluation_summary(self.evaluation)
        self.assertEqual(
            [(p.party, p.weight, p.points) for p in summary.parties],
            [("buyer", D(20), D("20.00")), ("supervisor", D(10), D("8.30")),
             ("supervision", D(15), D("13.80")), ("third_party", D(55), D("46.98"))],
        )
        self.assertEqual(summary.total, D("89.08"))
        self.assertEqual(summary.total_display, "89.08")
        self.assertEqual(summary.grade, ("good", "良好"))
        self.assertTrue(summary.frozen)
        self.assertTrue(summary.complete)
        self.assertEqual(summary.parties[1].score_100, D("83.0"))

    def test_draft_evaluation_computes_the_total_once_all_four_are_in(self):
        Evaluation.objects.filter(pk=self.evaluation.pk).update(status="draft", total_score=None, grade="")
        evaluation = Evaluation.objects.get(pk=self.evaluation.pk)
        summary = evaluation_summary(evaluation)
        self.assertFalse(summary.frozen)
        self.assertEqual(summary.total, D("89.08"))
        self.assertEqual(summary.grade, ("good", "良好"))
        PartyScore.objects.filter(evaluation=evaluation, party="supervision").update(status="draft")
        pending = evaluation_summary(evaluation)
        self.assertFalse(pending.complete)
        self.assertIsNone(pending.total)
        self.assertIsNone(pending.grade)
        self.assertEqual(pending.total_display, "")
        PartyScore.objects.filter(evaluation=evaluation, party="buyer").delete()
        missing = evaluation_summary(evaluation)
        self.assertEqual((missing.parties[0].weight, missing.parties[0].points, missing.parties[0].status), (D(20), None, ""))

    def test_rubric_gives_the_published_third_party_points(self):
        with self.assertNumQueries(2):
            rubric = rubric_summary(self.evaluation)
        self.assertEqual([s.section.name for s in rubric.sections], ["项目管理", "服务开展情况", "服务成效"])
        self.assertEqual([s.max_points for s in rubric.sections], [D(30), D(40), D(24)])
        self.assertEqual([s.score for s in rubric.sections], [D("25.0"), D("33.5"), D("21.8")])
        self.assertEqual((rubric.max_points, rubric.score, rubric.points), (D(94), D("80.3"), D("46.98")))
        self.assertEqual((rubric.scored_items, rubric.item_count), (13, 13))

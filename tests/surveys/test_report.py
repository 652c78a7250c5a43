"""The reports speak of a closed survey from its data (issue 14 §1, §4): seed 002 四（二）②'s sentence with the
survey's rates and points, and the rule that turned the answers into rates; with no survey nothing is made up."""

from __future__ import annotations

from django.urls import reverse

from reports.builders import build_evaluation_report_context, build_performance_report_context
from reports.models import Evaluation, PerformanceEvaluation, PerformanceIndicator
from reports.pdf import render_html
from surveys.calculations import RULE_TEXT, format_rate_short
from surveys.models import Survey

from .test_flow import SurveyCase

SENTENCE = (
    "经对广州市西村街社工服务站提供的服务对象名单进行满意度抽查，受访的服务对象、居委会代表及合作方代表满意度分别为 "
    "89.78%、100%和 90%。故得 8.98 分。"
)


def analysis_texts(pe: PerformanceEvaluation) -> list[str]:
    return [p.text for p in build_performance_report_context(pe)["result_analysis"]]


class SatisfactionReportTests(SurveyCase):
    def setUp(self):
        self.pe = PerformanceEvaluation.objects.get(code="jingtai-2023")

    def test_without_a_survey_the_report_prints_the_evaluators_text_and_no_rule(self):
        texts = analysis_texts(self.pe)
        reason = PerformanceIndicator.objects.get(evaluation=self.pe, name="服务对象满意度").reason
        self.assertIn(reason, texts)
        self.assertNotIn(RULE_TEXT, texts)
        context = build_evaluation_report_context(self.final)
        self.assertIsNone(context["satisfaction"])
        self.assertNotIn("满意度计算规则", render_html("reports/pdf/evaluation.html", context))

    def test_an_open_survey_is_not_reported(self):
        survey = self.prepared()
        Survey.objects.filter(pk=survey.pk).update(performance_evaluation=self.pe)
        self.assertNotIn(RULE_TEXT, analysis_texts(self.pe))
        self.assertIsNone(build_evaluation_report_context(self.final)["satisfaction"])

    def test_the_performance_report_sentence_comes_from_the_survey_with_its_rule(self):
        survey = self.crafted_seed_two()
        Survey.objects.filter(pk=survey.pk).update(performance_evaluation=self.pe)
        # the evaluator's hand-typed sentence is replaced by the survey's; remarks of their own would follow it
        indicator = PerformanceIndicator.objects.get(evaluation=self.pe, name="服务对象满意度")
        indicator.reason = "服务对象表示社工服务态度良好。"
        indicator.save(update_fields=["reason"])
        texts = analysis_texts(self.pe)
        start = texts.index("②服务对象满意度（满分 10 分，得分 8.98 分）")
        self.assertEqual(texts[start + 1:start + 4], [SENTENCE, RULE_TEXT, "服务对象表示社工服务态度良好。"])
        html = render_html("reports/pdf/performance.html", build_performance_report_context(self.pe))
        self.assertIn("89.78%、100%和 90%", html)
        self.assertIn("满意度计算规则：五级量表按 非常满意 5 分", html)

    def test_the_applied_sentence_is_printed_once(self):
        survey = self.crafted_seed_two()
        Survey.objects.filter(pk=survey.pk).update(performance_evaluation=self.pe)
        self.client.force_login(self.evaluator)
        self.client.post(reverse("survey_apply", args=[survey.pk]))
        texts = analysis_texts(self.pe)
        self.assertEqual(texts.count(SENTENCE), 1)
        self.assertEqual(texts.count(RULE_TEXT), 1)

    def test_the_evaluation_report_states_the_survey_and_its_rule(self):
        self.crafted_seed_two()
        context = build_evaluation_report_context(Evaluation.objects.get(pk=self.final.pk))
        html = render_html("reports/pdf/evaluation.html", context)
        self.assertIn(
            "本次服务对象满意度调查共抽取 16 人，完成访问 16 人（应答率 100.00%），经对广州市西村街社工服务站提供的服务对象"
            "名单进行满意度抽查，受访的服务对象、居委会代表及合作方代表满意度分别为 89.78%、100%和 90%，总体满意度为 93.00%。",  # 372/400
            html,
        )
        self.assertIn(RULE_TEXT, html)

    def test_short_rates_drop_trailing_zeros_only(self):
        from fractions import Fraction

        for rate, text in ((Fraction(202, 225), "89.78%"), (Fraction(1), "100%"), (Fraction(9, 10), "90%"),
                           (Fraction(181, 200), "90.5%"), (None, "/")):
            with self.subTest(text=text):
                self.assertEqual(format_rate_short(rate), text)

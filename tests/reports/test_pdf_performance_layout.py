"""绩效评价报告 layout rules: paragraphs and sub-headings from stored text, sections present only with content."""

from decimal import Decimal

from django.test import SimpleTestCase, TestCase

from demo.loader import demo_load
from reports import pdf
from reports.builders import Paragraph, build_performance_report_context, report_paragraphs
from reports.models import PerformanceEvaluation


class ReportParagraphsTests(SimpleTestCase):
    def test_blank_lines_separate_paragraphs_and_short_numbered_ones_are_sub_headings(self):
        text = "（一）绩效评价目的\n\n从资金投入等方面评价。\r\n\r\n1、前期准备\n\n  \n核心项目执行情况\n\n" \
               "（二）社工站社工中党员数量较少，未能成立党支部，党建引领作用未能凸显，而建立起合作共建关系的对象较多。\n\n" \
               "1、采购项目编号：440106-201808-102130-0013"
        self.assertEqual(
            report_paragraphs(text),
            [
                Paragraph("（一）绩效评价目的", True),
                Paragraph("从资金投入等方面评价。", False),
                Paragraph("1、前期准备", True),
                Paragraph("核心项目执行情况", True),
                Paragraph("（二）社工站社工中党员数量较少，未能成立党支部，党建引领作用未能凸显，而建立起合作共建关系的对象较多。", False),
                Paragraph("1、采购项目编号：440106-201808-102130-0013", False),
            ],
        )

    def test_empty_text_has_no_paragraphs(self):
        self.assertEqual(report_paragraphs(""), [])
        self.assertEqual(report_paragraphs("\n\n  \n"), [])


class PerformanceLayoutTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()

    def html(self, code: str) -> str:
        context = build_performance_report_context(PerformanceEvaluation.objects.get(code=code))
        return pdf.render_html("reports/pdf/performance.html", context)

    def test_sub_headings_are_escaped_like_all_user_text(self):
        pe = PerformanceEvaluation.objects.get(code="jingtai-2023")
        pe.results_application = "（一）<img src=x>小标题\n\n正文<b>加粗</b>"
        pe.save(update_fields=["results_application"])
        html = self.html("jingtai-2023")
        self.assertIn('<h4 class="para-head">（一）&lt;img src=x&gt;小标题</h4>', html)
        self.assertIn("<p>正文&lt;b&gt;加粗&lt;/b&gt;</p>", html)
        self.assertNotIn("<img", html)

    def test_section_seven_only_with_results_application(self):
        self.assertIn("<h1>七、绩效评价结果应用</h1>", self.html("jingtai-2023"))
        PerformanceEvaluation.objects.filter(code="jingtai-2023").update(results_application="")
        self.assertNotIn("绩效评价结果应用", self.html("jingtai-2023"))
        # A judged report that has one gets it as its last section (seed 000 has six).
        PerformanceEvaluation.objects.filter(code="xicun-2022").update(results_application="结果用于下年度预算安排。")
        html = self.html("xicun-2022")
        self.assertIn("<h1>七、绩效评价结果应用</h1>", html)
        self.assertIn("<p>结果用于下年度预算安排。</p>", html)

    def test_budget_in_words_when_the_funding_text_is_empty(self):
        pe = PerformanceEvaluation.objects.get(code="xicun-2022")
        self.assertEqual(
            (pe.budget_initial, pe.budget_full_year, pe.budget_executed),
            (Decimal("2448000.00"), Decimal("2448000.00"), Decimal("2448000.00")),
        )
        pe.funding = ""
        pe.save(update_fields=["funding"])
        self.assertIn(
            "<p>项目年初预算数 244.80 万元，全年预算数为 244.80 万元，预算调整率 0.00%；全年执行数为 244.80 万元，"
            "完成预算的 100.00%。</p>",
            self.html("xicun-2022"),
        )

    def test_empty_sections_close_up_the_numbers(self):
        PerformanceEvaluation.objects.filter(code="zhongluotan-2022").update(organisation_text="", experience="")
        html = self.html("zhongluotan-2022")
        self.assertNotIn("绩效评价概述", html)
        self.assertNotIn("项目主要绩效或成功经验", html)
        for heading in ["<h1>二、评价结论与绩效分析</h1>", "<h1>三、存在问题或不足</h1>", "<h1>四、相关建议</h1>"]:
            self.assertIn(heading, html)

"""Issue 11 §4: one 合计 rule for 片区 with and without a 协议量 (indicators.calculations.area_total), the same in the
entry grid, the 附件1 table and Excel, and the evaluation report (附件1 and the §六 completion sentences).

片区1 入户探访 3 of 5, 片区2 1 with no target: 合计 5 / 4 / 80.00% everywhere (was 5 / 4 / 60.00%: 完成量 counted
片区2, 百分比 did not). The browser side (the grid's script) is in tests/indicators/test_browser.py."""

import io
import re
from datetime import date
from decimal import Decimal

import openpyxl
from django.test import TestCase
from django.urls import reverse

from evalportal.periods import Quarter
from indicators.entry import entry_grid
from indicators.excel import completion_workbook
from indicators.models import MonthlyActual, Target
from indicators.selectors import indicator_completion_table
from reports.builders import build_evaluation_report_context
from reports.pdf import render_html
from tests.indicators.factories import build_world

JAN = date(2025, 1, 1)


class TotalRuleAcrossOutputsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=2)
        a1, a2 = cls.w.areas
        visit = cls.w.indicators["home_visit"]
        Target.objects.filter(contract=cls.w.contract, service_area=a1, indicator=visit).update(value=Decimal(5))
        Target.objects.filter(contract=cls.w.contract, service_area=a2, indicator=visit).delete()
        for area, value in ((a1, 3), (a2, 1)):
            MonthlyActual.objects.create(contract=cls.w.contract, service_area=area, indicator=visit, month=JAN,
                                         value=Decimal(value))
        cls.visit = visit

    def total_cell(self):
        table = indicator_completion_table(self.w.contract, date(2025, 4, 30))
        return next(c for c in table.total_row.cells if c.indicator == self.visit)

    def test_completion_table_total(self):
        cell = self.total_cell()
        self.assertEqual((cell.target_display, cell.actual_display, cell.percent), ("5", "4", "80.00%"))

    def test_entry_grid_total(self):
        grid = entry_grid(contract=self.w.contract, quarter=Quarter(2025, 1), user=self.w.users["street_xc"])
        total = next(t for t in grid.totals if t.indicator == self.visit)
        self.assertEqual((total.target_text, total.month_texts, total.cumulative_text, total.percent),
                         ("5", ["4", "—", "—"], "4", "80.00%"))
        self.client.force_login(self.w.users["street_xc"])
        page = self.client.get(reverse("quarter_entry", args=[self.w.contract.code, "2025-Q1"])).content.decode()
        row = re.search(rf'<tr class="total-row" data-indicator="{self.visit.pk}".*?</tr>', page, re.S).group(0)
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        self.assertEqual(cells[:7], ["5", "4", "—", "—", "4", "80.00%", "2"])

    def test_annex1_excel_total(self):
        table = indicator_completion_table(self.w.contract, date(2025, 4, 30))
        ws = openpyxl.load_workbook(io.BytesIO(completion_workbook(table))).active
        col = 3 + 3 * table.area_columns.index(self.visit)
        total_row = next(r for r in range(5, 10) if ws.cell(r, 1).value == "合计")
        self.assertEqual([ws.cell(total_row, col + i).value for i in range(3)], [5, 4, 0.8])
        self.assertEqual(ws.cell(total_row, col + 2).number_format, "0.00%")

    def test_report_annex1_and_completion_sentence(self):
        context = build_evaluation_report_context(self.w.evaluation)
        html = render_html("reports/pdf/evaluation.html", context)
        # 附件1 may be split into several tables; the 入户探访 triple is in one of their 合计 rows
        triples = []
        for row in re.findall(r'<tr class="total">(.*?)</tr>', html, re.S):
            cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            triples += [cells[i:i + 3] for i in range(2, len(cells), 3)]
        self.assertIn(["5", "4", "80.00%"], triples)
        self.assertNotIn(["5", "4", "60.00%"], triples)
        text = re.sub(r"<[^>]+>", "", html)
        self.assertIn("完成协议指标量的 80.00%", text)
        self.assertIn("合计行的协议量、完成量分别为各片区之和（无协议量片区的完成量也计入），百分比 = 合计完成量 ÷ 合计协议量", text)

"""Every Excel file the portal hands out, fetched as its users fetch it (issue 16 §1–2, issue 11 §3).

The census: 附件1 (indicator_export), the quarter entry template, 附件2 (staff_export), the survey roster template, the
survey results and the oversight dashboard. Each sheet prints as the official tables (A4, fitted to one page wide,
"第 &P 页 共 &N 页", the print area, the PDF reports' margins) and every text cell stays text: formula-like names
typed by users (a station, a survey group) are string cells with quotePrefix and their visible text unchanged.
The three files not printed in tests/indicators/test_excel_office.py are printed here by LibreOffice Calc: A4, the
title and the last column's header on page 1.
"""

from __future__ import annotations

import io
import tempfile
from datetime import date
from pathlib import Path
from unittest import mock

import openpyxl
from django.test import TestCase
from django.urls import reverse

from demo.loader import demo_load
from reports.models import Evaluation
from reports.services import evaluation_declare
from stations.models import Station, User
from surveys.models import Survey
from tests.indicators.test_excel_office import pdf_info, pdf_pages, soffice
from tests.surveys.factories import default_questionnaire
from tests.surveys.test_flow import people, roster_file

CODE = "xicun-2024"
FORMULA_NAME = "=HYPERLINK(\"http://x\",\"站\")"
FORMULA_GROUP = "+居民代表"
MM = 25.4
TODAY = date(2025, 5, 20)  # the demo contracts run: the dashboard lists them


class ExportCensusTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()
        station = Station.objects.get(contracts__code=CODE)
        station.name = FORMULA_NAME
        station.save(update_fields=["name"])
        evaluator = User.objects.get(username="evaluator_gzswa")
        final = Evaluation.objects.get(code="xicun-2024-final")
        evaluation_declare(evaluation=final, user=evaluator, conflict=False)
        template = default_questionnaire()
        evaluator_client = cls.client_class()
        evaluator_client.force_login(evaluator)
        evaluator_client.post(reverse("survey_create", args=[final.code]), {
            "template": template.pk, "title": "", "group1": "服务对象", "size1": 3,
            "group2": FORMULA_GROUP, "size2": 2, "group3": "", "size3": "", "points_max": "10",
        })
        cls.survey = Survey.objects.get(evaluation=final)
        street = cls.client_class()
        street.force_login(User.objects.get(username="street_xicun"))
        group = cls.survey.groups.get(name="服务对象")
        street.post(reverse("survey_roster", args=[cls.survey.pk, group.pk]), {"file": roster_file(people("甲", 4))})
        bureau = cls.client_class()
        bureau.force_login(User.objects.get(username="bureau_liwan"))
        responses = {
            "附件1": street.get(reverse("indicator_export", args=[CODE]), {"until": "2025-12-10"}),
            "填报模板": street.get(reverse("quarter_template", args=[CODE, "2025-Q1"])),
            "附件2": street.get(reverse("staff_export", args=[CODE]), {"from": "2024-12-11", "until": "2025-12-10"}),
            "名单模板": evaluator_client.get(reverse("survey_roster_template", args=[cls.survey.pk])),
            "调查结果": evaluator_client.get(reverse("survey_export", args=[cls.survey.pk])),
        }
        with mock.patch("oversight.views.timezone.localdate", return_value=TODAY):
            responses["总览"] = bureau.get(reverse("dashboard_export"))
        # (status, bytes): responses are not copyable, which setUpTestData's attributes must be
        cls.files = {name: (r.status_code, r.content) for name, r in responses.items()}

    def workbooks(self):
        for name, (status, content) in self.files.items():
            self.assertEqual(status, 200, name)
            yield name, openpyxl.load_workbook(io.BytesIO(content))

    def test_every_sheet_prints_on_a4_one_page_wide_with_page_numbers(self):
        for name, wb in self.workbooks():
            for ws in wb.worksheets:
                with self.subTest(file=name, sheet=ws.title):
                    self.assertEqual(str(ws.page_setup.paperSize), "9")  # A4
                    self.assertTrue(ws.sheet_properties.pageSetUpPr.fitToPage)
                    self.assertEqual((ws.page_setup.fitToWidth, ws.page_setup.fitToHeight), (1, 0))
                    self.assertEqual(ws.oddFooter.center.text, "第 &P 页 共 &N 页")
                    self.assertTrue(ws.print_area)
                    self.assertIn(ws.page_setup.orientation, ("portrait", "landscape"))
                    # the PDF reports' margins: 12 mm (landscape) or 22 mm (portrait) on the left
                    left = round(ws.page_margins.left * MM)
                    self.assertEqual(left, 12 if ws.page_setup.orientation == "landscape" else 22)
                    self.assertTrue(ws.print_options.horizontalCentered)

    def test_wide_tables_print_landscape_with_their_header_rows_repeated(self):
        expected = {"附件1": "$3:$4", "填报模板": "$4:$4", "附件2": "$3:$4", "总览": "$2:$3"}
        for name, wb in self.workbooks():
            if name in expected:
                with self.subTest(file=name):
                    ws = wb.worksheets[0]
                    self.assertEqual(ws.page_setup.orientation, "landscape")
                    self.assertEqual(ws.print_title_rows, expected[name])

    def test_every_text_cell_stays_text(self):
        """No export holds a formula; text starting with = + - @ is a string cell with quotePrefix."""
        found = set()
        for name, wb in self.workbooks():
            for ws in wb.worksheets:
                for row in ws.iter_rows():
                    for cell in row:
                        value = cell.value
                        if not isinstance(value, str):
                            continue
                        with self.subTest(file=name, cell=f"{ws.title}!{cell.coordinate}"):
                            self.assertEqual(cell.data_type, "s")
                            if value.startswith(("=", "+", "-", "@")):
                                self.assertTrue(cell.quotePrefix)
                        if FORMULA_NAME in value or value == FORMULA_GROUP:
                            found.add(name)
        # the formula-like names reached the files that show them, unchanged
        self.assertTrue({"附件1", "填报模板", "附件2", "总览", "调查结果"} <= found, found)

    def test_dashboard_station_name_is_the_name_as_typed(self):
        ws = openpyxl.load_workbook(io.BytesIO(self.files["总览"][1])).active
        cells = [ws.cell(r, 2) for r in range(4, ws.max_row + 1) if ws.cell(r, 2).value == FORMULA_NAME]
        self.assertEqual(len(cells), 1)
        self.assertEqual((cells[0].data_type, cells[0].quotePrefix), ("s", True))

    def test_survey_rates_are_percentages_formatted_0_00(self):
        """issue 16 §2: percentages are numbers shown 0.00%, as in 附件1 (not text "89.78%")."""
        ws = openpyxl.load_workbook(io.BytesIO(self.files["调查结果"][1]))["满意度"]
        header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "受访群体")
        self.assertEqual([ws.cell(header, c).value for c in (8, 9)], ["应答率", "满意度"])
        for r in range(header + 1, header + 4):  # 服务对象, +居民代表, 合计: nothing answered yet → "/"
            with self.subTest(row=r):
                self.assertEqual([ws.cell(r, c).value for c in (8, 9)], ["/", "/"])

    def test_dashboard_numbers_print_as_the_seeds(self):
        """人·月 without a decimal when whole, 稳岗率 0.00%, 总得分 0.00."""
        ws = openpyxl.load_workbook(io.BytesIO(self.files["总览"][1])).active
        for r in range(4, ws.max_row + 1):
            shortfall, retention, score = ws.cell(r, 11), ws.cell(r, 12), ws.cell(r, 13)
            with self.subTest(row=r):
                if isinstance(shortfall.value, int | float):
                    whole = float(shortfall.value).is_integer()
                    self.assertEqual(shortfall.number_format, "0" if whole else "0.0")
                if retention.value is not None:
                    self.assertEqual(retention.number_format, "0.00%")
                if score.value is not None:
                    self.assertEqual(score.number_format, "0.00")


class ExportPrintTests(TestCase):
    """The files not printed by tests/indicators/test_excel_office.py, printed by LibreOffice Calc."""

    @classmethod
    def setUpTestData(cls):
        demo_load()
        evaluator = User.objects.get(username="evaluator_gzswa")
        final = Evaluation.objects.get(code="xicun-2024-final")
        evaluation_declare(evaluation=final, user=evaluator, conflict=False)
        template = default_questionnaire()
        client = cls.client_class()
        client.force_login(evaluator)
        client.post(reverse("survey_create", args=[final.code]), {
            "template": template.pk, "title": "", "group1": "服务对象", "size1": 3, "group2": "居委会代表",
            "size2": 2, "group3": "", "size3": "", "points_max": "10",
        })
        survey = Survey.objects.get(evaluation=final)
        cls.survey_title = survey.title
        bureau = cls.client_class()
        bureau.force_login(User.objects.get(username="bureau_liwan"))
        files = {
            "roster.xlsx": client.get(reverse("survey_roster_template", args=[survey.pk])).content,
            "results.xlsx": client.get(reverse("survey_export", args=[survey.pk])).content,
        }
        with mock.patch("oversight.views.timezone.localdate", return_value=TODAY):
            files["dashboard.xlsx"] = bureau.get(reverse("dashboard_export")).content
        cls.tmp = tempfile.TemporaryDirectory(prefix="ep-soffice-")
        root = Path(cls.tmp.name)
        for name, data in files.items():
            (root / name).write_bytes(data)
        cls.pdf_dir = root / "pdf"
        soffice([root / n for n in files], "pdf", cls.pdf_dir, root / "profile")
        # the roster template filled in, then saved by LibreOffice Calc (issue 16 §3)
        wb = openpyxl.load_workbook(io.BytesIO(files["roster.xlsx"]))
        rows = (("张测试", "13800000000", "片区一", "长者服务"), ("李测试", "020-81234567", "片区二", "青少年服务"))
        for r, row in enumerate(rows, start=2):  # under the header, in the phone column formatted as text
            for c, value in enumerate(row, start=1):
                wb.active.cell(row=r, column=c, value=value)
        buffer = io.BytesIO()
        wb.save(buffer)
        cls.roster_filled = buffer.getvalue()
        (root / "filled.xlsx").write_bytes(cls.roster_filled)
        cls.lo_dir = root / "lo"
        soffice([root / "filled.xlsx"], "xlsx:Calc MS Excel 2007 XML", cls.lo_dir, root / "profile")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()
        super().tearDownClass()

    def pdf(self, name: str) -> tuple[dict, list[str]]:
        path = self.pdf_dir / name
        return pdf_info(path), pdf_pages(path)

    def test_dashboard_prints_landscape_a4_title_and_last_column_on_page_one(self):
        info, pages = self.pdf("dashboard.pdf")
        self.assertRegex(info["Page size"].strip(), r"^841\.\d+ x 595\.\d+ pts \(A4\)$")
        self.assertIn("社工服务站总览（荔湾区，截至2025年05月20日）", pages[0])  # the bureau's district, not 全部区
        self.assertIn("预警", pages[0])
        self.assertIn("第1页共", pages[0])

    def test_survey_results_print_on_a4_with_title_and_every_column(self):
        info, pages = self.pdf("results.pdf")
        self.assertRegex(info["Page size"].strip(), r"^(595\.\d+ x 841|841\.\d+ x 595)\.\d+ pts \(A4\)$")
        self.assertIn(f"{self.survey_title}（结果）".replace(" ", ""), pages[0])
        self.assertIn("满意度", pages[0])
        self.assertIn("应答率", pages[0])
        # the answers sheet starts on its own page with its last column
        answers = next(p for p in pages if "样本编号" in p)
        self.assertIn("意见建议", answers)

    def test_roster_template_prints_portrait_a4_on_one_page(self):
        info, pages = self.pdf("roster.pdf")
        self.assertRegex(info["Page size"].strip(), r"^595\.\d+ x 841\.\d+ pts \(A4\)$")
        self.assertEqual(pages[0].count("服务类型"), 1)
        self.assertIn("姓名电话片区服务类型", pages[0])

    def test_roster_saved_by_libreoffice_imports_the_same_contacts(self):
        from surveys.excel import parse_roster

        ours = parse_roster(self.roster_filled)
        theirs = parse_roster((self.lo_dir / "filled.xlsx").read_bytes())
        self.assertEqual(list(ours.errors), [])
        self.assertEqual(list(theirs.errors), [])
        self.assertEqual([(r.name, r.phone, r.area, r.service_type) for r in theirs.rows],
                         [("张测试", "13800000000", "片区一", "长者服务"), ("李测试", "020-81234567", "片区二", "青少年服务")])
        self.assertEqual(theirs.rows, ours.rows)

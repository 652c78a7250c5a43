"""Excel files as other office suites and hostile senders write them (issue 11 §1–§4, issue 16 §3).

Every file is generated here (tests/xlsx_craft.py), none committed. Each bad file: the exact message naming the
sheet, row and column, and nothing saved (no value, no import batch, no audit row). Time and memory of the worst
files within the limits are measured by bench/bench_excel.py, not asserted here.
"""

import io
from datetime import date
from decimal import Decimal

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import SimpleTestCase, TestCase, override_settings
from django.urls import reverse

from evalportal.periods import Quarter
from indicators.models import MonthlyActual
from stations.models import AuditEntry, ImportBatch, StaffMember, StaffMonth
from tests import xlsx_craft as craft

from .factories import build_world

Q1 = Quarter(2025, 1)
JAN = date(2025, 1, 1)
SHEET = "工作表“完成量填报”"


def to_bytes(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


class EntryFileTests(TestCase):
    """The quarter template (rows 5–12: 片区1 ×3, 片区2 ×3, 全站 培训时数, 全站 资源链接; columns A–J)."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=2)

    def setUp(self):
        self.client.force_login(self.w.users["street_xc"])
        self.import_url = reverse("quarter_import", args=[self.w.contract.code, Q1.slug])

    def template_bytes(self) -> bytes:
        return self.client.get(reverse("quarter_template", args=[self.w.contract.code, Q1.slug])).content

    def filled(self, edits: dict) -> bytes:
        wb = openpyxl.load_workbook(io.BytesIO(self.template_bytes()))
        for ref, value in edits.items():
            wb["完成量填报"][ref] = value
        return to_bytes(wb)

    def upload(self, data: bytes):
        return self.client.post(self.import_url, {"file": SimpleUploadedFile("f.xlsx", data)})

    def preview(self, data: bytes) -> dict:
        response = self.upload(data)
        errors = [str(e) for e in response.context["errors"]] if response.context else []
        self.assertEqual(response.status_code, 302, errors)
        return ImportBatch.objects.get(token=response["Location"].rstrip("/").split("/")[-1]).payload

    def assert_refused(self, data: bytes, messages: list[str], heading: str | None = None):
        response = self.upload(data)
        self.assertEqual(response.status_code, 400)
        shown = [str(e) for e in response.context["errors"]] or [response.context["upload_error"]]
        self.assertEqual(shown, messages)
        if heading:
            self.assertContains(response, heading, status_code=400)
        self.assertEqual(MonthlyActual.objects.count(), 0)
        self.assertEqual(ImportBatch.objects.count(), 0)
        self.assertEqual(AuditEntry.objects.count(), 0)
        return response

    # --- other office suites (issue 16 §3) -------------------------------------------------------------------------

    def test_numbers_typed_as_text_are_accepted(self):
        data = self.filled({"H6": 120})
        data = craft.replace_cell(data, "I6", '<c r="I6" t="inlineStr"><is><t>12</t></is></c>')
        data = craft.replace_cell(data, "J6", '<c r="J6" t="str"><v> 7 </v></c>')
        data = craft.replace_cell(data, "H11", '<c r="H11" s="0" t="inlineStr"><is><t>783.5</t></is></c>')
        payload = self.preview(data)
        self.assertEqual([(c["label"], c["new"]) for c in payload["changes"]], [
            ("片区1 · 入户探访 · 2025年1月", "120"), ("片区1 · 入户探访 · 2025年2月", "12"),
            ("片区1 · 入户探访 · 2025年3月", "7"), ("全站 · 培训时数 · 2025年1月", "783.5"),
        ])

    def test_text_that_is_not_a_number_names_its_cell(self):
        data = craft.replace_cell(self.filled({}), "H6", '<c r="H6" t="inlineStr"><is><t>12个</t></is></c>')
        data = craft.replace_cell(data, "I11", '<c r="I11" t="inlineStr"><is><t>约16</t></is></c>')
        self.assert_refused(data, [
            f"{SHEET} 第6行 第H列：片区1 · 入户探访 · 2025年1月：请输入数字。",
            f"{SHEET} 第11行 第I列：全站 · 培训时数 · 2025年2月：请输入数字。",
        ])

    def test_missing_or_lying_dimension_still_reads_every_row(self):
        """openpyxl's read-only mode trusts <dimension>: a file declaring A1:J6 would lose rows 7–12."""
        original = self.filled({"H6": 5, "H11": 16})
        expected = self.preview(original)
        for ref in ("A1:J6", "A1", "A1:C3", None):
            with self.subTest(dimension=ref):
                self.assertEqual(self.preview(craft.set_dimension(original, ref)), expected)
        self.assertEqual(len(expected["changes"]), 2)

    def test_an_empty_added_sheet_is_ignored(self):
        wb = openpyxl.load_workbook(io.BytesIO(self.filled({"H6": 5})))
        wb.create_sheet("Sheet2")
        wb.create_sheet("Sheet3")["B2"] = ""  # an empty string is empty too
        self.assertEqual(len(self.preview(to_bytes(wb))["changes"]), 1)

    def test_shared_strings_and_styles_as_other_suites_write_them(self):
        """The template rewritten with a shared string table (rich-text runs included) and a stale dimension."""
        data = self.filled({"H6": 5})
        sst = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2">'
               '<si><r><t>片区</t></r><r><rPr><b/></rPr><t>1</t></r></si><si><t>20</t></si></sst>')
        data = craft.rewrite(data, "[Content_Types].xml", lambda t: t.replace(
            "</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
        data = craft.rewrite(data, "xl/_rels/workbook.xml.rels", lambda t: t.replace(
            "</Relationships>", '<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/'
                                '2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'))
        import zipfile

        buf = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                dst.writestr(item, src.read(item.filename))
            dst.writestr("xl/sharedStrings.xml", sst)
        data = craft.replace_cell(buf.getvalue(), "A6", '<c r="A6" t="s"><v>0</v></c>')  # "片区1" in two runs
        data = craft.replace_cell(data, "I6", '<c r="I6" t="s"><v>1</v></c>')  # "20" as a shared string
        payload = self.preview(craft.set_dimension(data, "A1:B2"))
        self.assertEqual([(c["label"], c["new"]) for c in payload["changes"]],
                         [("片区1 · 入户探访 · 2025年1月", "5"), ("片区1 · 入户探访 · 2025年2月", "20")])

    # --- text stays text (issue 11 §3) -----------------------------------------------------------------------------

    def test_template_round_trip_with_formula_like_names_and_units(self):
        names = ['=HYPERLINK("http://x","点我")', "+1片区"]
        for area, name in zip(self.w.areas, names, strict=True):
            area.name = name
            area.save()
        indicator = self.w.indicators["home_visit"]
        indicator.unit = "=1+1"
        indicator.save()
        wb = openpyxl.load_workbook(io.BytesIO(self.template_bytes()))
        ws = wb["完成量填报"]
        self.assertEqual((ws["A5"].value, ws["A8"].value, ws["D6"].value), (names[0], names[1], "=1+1"))
        self.assertEqual({ws[ref].data_type for ref in ("A5", "A8", "D6")}, {"s"})
        self.assertTrue(all(ws[ref].quotePrefix for ref in ("A5", "A8", "D6")))
        ws["H6"], ws["H9"] = 3, 4
        payload = self.preview(to_bytes(wb))
        self.assertEqual([c["label"] for c in payload["changes"]],
                         [f"{names[0]} · 入户探访 · 2025年1月", f"{names[1]} · 入户探访 · 2025年1月"])

    # --- bounded work (issue 11 §1) --------------------------------------------------------------------------------

    def test_values_beyond_the_template_columns_one_error_per_column(self):
        data = craft.add_cells_to_rows(self.filled({}), range(5, 13), first_col=11, cols=3)  # K–M on every data row
        data = craft.append_rows(data, craft.extra_columns_rows(13, 40, first_col=12, cols=1))  # L on 40 more rows
        self.assert_refused(data, [
            f"{SHEET} 第5行 第K列：模板只有 A–J 列，模板之外的列不能填写（本列共 8 个单元格有内容，请删除）。",
            f"{SHEET} 第5行 第L列：模板只有 A–J 列，模板之外的列不能填写（本列共 48 个单元格有内容，请删除）。",
            f"{SHEET} 第5行 第M列：模板只有 A–J 列，模板之外的列不能填写（本列共 8 个单元格有内容，请删除）。",
        ])

    def test_errors_are_listed_up_to_the_limit_and_the_rest_counted(self):
        data = craft.append_rows(self.filled({}), craft.extra_columns_rows(13, 2, first_col=11, cols=250))
        response = self.upload(data)
        self.assertEqual(response.status_code, 400)
        errors = response.context["errors"]
        self.assertEqual((len(errors), errors.more, errors.total), (200, 50, 250))
        self.assertEqual(str(errors[0]), f"{SHEET} 第13行 第K列：模板只有 A–J 列，模板之外的列不能填写"
                                         "（本列共 2 个单元格有内容，请删除）。")
        self.assertContains(response, "文件中有 250 处错误，未导入任何数据（列出前 200 处，另有 50 处未列出）：",
                            status_code=400)
        self.assertEqual(response.content.decode().count("模板之外的列不能填写"), 200)
        self.assertEqual(ImportBatch.objects.count(), 0)

    @override_settings(EXCEL_MAX_ROWS=20)
    def test_rows_beyond_the_row_limit_stop_the_check(self):
        # 8 template rows, then rows 13–30 blank in the template's columns, and a row at 25 with a value in A
        rows = "".join(f'<row r="{r}"><c r="B{r}" t="inlineStr"><is><t>nope</t></is></c></row>' for r in range(13, 26))
        data = craft.append_rows(self.filled({}), rows)
        self.assert_refused(data, [f"{SHEET} 第{r}行 第A列：未知片区“（空）”。" for r in range(13, 25)] + [
            f"{SHEET} 第25行：超过行数上限（每次最多导入 20 行数据），已停止检查：请分批导入。"
        ], heading="文件中有至少 13 处错误")

    def test_a_row_far_below_the_template_is_read_and_bounded(self):
        """A value in Excel's last row (1,048,576) behind a dimension of A1:J12: read, refused past the row limit."""
        data = craft.append_rows(self.filled({"H6": 1}), '<row r="1048576"><c r="H1048576"><v>5</v></c></row>')
        self.assert_refused(craft.set_dimension(data, "A1:J12"), [
            f"{SHEET} 第1048576行：超过行数上限（每次最多导入 5000 行数据），已停止检查：请分批导入。",
        ])

    @override_settings(EXCEL_MAX_CELLS=500)
    def test_cell_budget(self):
        data = craft.append_rows(self.filled({}), craft.extra_columns_rows(13, 1, first_col=600, cols=1))
        self.assert_refused(data, [
            f"{SHEET} 第13行：文件内容超出检查上限（500 个单元格），已停止检查：请只保留模板中的行和列后再上传。",
        ])

    @override_settings(EXCEL_MAX_SHEET_XML_BYTES=20 * 1024)
    def test_worksheet_xml_cap(self):
        data = craft.append_rows(self.filled({}), craft.extra_columns_rows(13, 30, first_col=11, cols=30))
        size = len(craft.sheet_xml(data).encode()) / 1048576
        self.assert_refused(data, [
            f"工作表内容过大（解压后 {size:.1f} MB，上限为 0.0195312 MB），已拒绝：请只保留模板中的行和列后再上传。"
        ])

    def test_shared_strings_cap(self):
        with override_settings(EXCEL_MAX_OTHER_XML_BYTES=10 * 1024):
            response = self.upload(self.filled({}))
        self.assertContains(response, "文件中的共享字符串、样式等部分过大（解压后 0.0 MB，上限为 0.00976562 MB），"
                                      "已拒绝：请把数据复制到本系统下载的模板中再上传。", status_code=400)
        self.assertEqual(ImportBatch.objects.count(), 0)

    # --- preview and result in the same words (issue 11 §4) -------------------------------------------------------

    def test_preview_and_result_report_the_same_counts(self):
        self.client.post(self.upload(self.filled({"H6": 5}))["Location"])  # 5 stored
        response = self.upload(self.filled({"H6": 5, "I6": 6, "H11": 16}))
        preview = self.client.get(response["Location"])
        self.assertContains(preview, '将修改 <strong id="change-count">2</strong> 个单元格，1 个与现有数值相同。', html=False)
        applied = self.client.post(response["Location"], follow=True)
        self.assertContains(applied, "已导入：修改 2 个单元格，1 个与现有数值相同。")


class StaffFileTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)
        cls.names = ["=张测试", "+李测试", "-王测试", "@赵测试"]
        for order, name in enumerate(cls.names, start=1):
            StaffMember.objects.create(contract=cls.w.contract, order=order, name=name, position="area_worker",
                                       certificate="none", service_area=cls.w.areas[0], joined_on=date(2024, 12, 11),
                                       note="-备注" if order == 1 else "")

    def setUp(self):
        self.client.force_login(self.w.users["street_xc"])
        self.code = self.w.contract.code

    def export(self) -> bytes:
        response = self.client.get(reverse("staff_export", args=[self.code]), {"from": "2025-01-01",
                                                                              "until": "2025-01-31"})
        self.assertEqual(response.status_code, 200)
        return response.content

    def upload(self, data: bytes):
        return self.client.post(reverse("staff_import", args=[self.code]), {"file": SimpleUploadedFile("a2.xlsx", data)})

    def test_export_import_round_trip_of_names_starting_with_formula_characters(self):
        wb = openpyxl.load_workbook(io.BytesIO(self.export()))
        ws = wb["社工到岗情况"]
        rows = {ws.cell(r, 3).value: r for r in range(5, 10)}
        self.assertLessEqual(set(self.names), set(rows))
        for name in self.names:
            cell = ws.cell(rows[name], 3)
            self.assertEqual((cell.data_type, cell.quotePrefix), ("s", True))
            ws.cell(rows[name], 7, 1)
        self.assertEqual(ws.cell(rows["=张测试"], 12).value, "-备注")
        upload = self.upload(to_bytes(wb))
        self.assertEqual(upload.status_code, 302, upload.context and [str(e) for e in upload.context["errors"]])
        batch = ImportBatch.objects.get()
        self.assertEqual(sorted(c["label"] for c in batch.payload["changes"]),
                         sorted(f"{n} · 2025年1月" for n in self.names))
        applied = self.client.post(reverse("staff_import", args=[self.code]), {"token": batch.token}, follow=True)
        self.assertContains(applied, "已导入：修改 4 条月度记录，0 条与现有相同。")
        self.assertEqual(StaffMonth.objects.filter(month=JAN, on_post=Decimal(1)).count(), 4)

    def test_fifty_thousand_rows_are_refused_by_size(self):
        data = craft.append_rows(self.export(), craft.staff_rows(20, 50_000))
        size = len(craft.sheet_xml(data).encode()) / 1048576
        response = self.upload(data)
        self.assertEqual(response.context["upload_error"],
                         f"工作表内容过大（解压后 {size:.1f} MB，上限为 5 MB），已拒绝：请只保留模板中的行和列后再上传。")
        self.assertEqual((StaffMonth.objects.count(), ImportBatch.objects.count()), (0, 0))

    def test_rows_beyond_the_row_limit_are_bounded(self):
        data = craft.append_rows(self.export(), craft.staff_rows(20, 6_000))
        response = self.upload(data)
        self.assertEqual(response.status_code, 400)
        errors = response.context["errors"]
        self.assertEqual(str(errors[0]), "工作表“社工到岗情况” 第20行 第C列：名册中没有序号 20、姓名“社工20”的社工。")
        self.assertEqual(str(errors[-1]), "工作表“社工到岗情况” 第5005行：超过行数上限（每次最多导入 5000 行数据），"
                                          "已停止检查：请分批导入。")
        self.assertEqual((len(errors), errors.more), (201, 5005 - 20 - 200))
        self.assertContains(response, "文件中有至少 4986 处错误，未导入任何数据（列出前 200 处，另有 4785 处未列出）",
                            status_code=400)
        self.assertEqual((StaffMonth.objects.count(), ImportBatch.objects.count()), (0, 0))

    def test_staff_extra_sheets(self):
        wb = openpyxl.load_workbook(io.BytesIO(self.export()))
        wb.create_sheet("Sheet2")
        wb.create_sheet("备注")["B2"] = "王测试请假"
        response = self.upload(to_bytes(wb))
        self.assertEqual([str(e) for e in response.context["errors"]], [
            "工作表“备注” 第2行 第B列：多余的工作表“备注”有内容：文件只能包含工作表“社工到岗情况”，请删除该工作表。"
        ])
        del wb["备注"]
        response = self.upload(to_bytes(wb))  # an empty extra sheet is ignored
        self.assertEqual(response.status_code, 302)
        self.assertEqual(ImportBatch.objects.get().payload["rows"], 4)

    def test_staff_values_beyond_the_last_column(self):
        wb = openpyxl.load_workbook(io.BytesIO(self.export()))
        ws = wb["社工到岗情况"]
        ws["R5"] = "x"
        ws["R6"] = "y"
        response = self.upload(to_bytes(wb))
        self.assertEqual([str(e) for e in response.context["errors"]], [
            "工作表“社工到岗情况” 第5行 第R列：模板只有 A–L 列，模板之外的列不能填写（本列共 2 个单元格有内容，请删除）。"
        ])


class ErrorListTests(SimpleTestCase):
    def test_first_errors_listed_the_rest_counted_and_the_stop_notice_last(self):
        from evalportal.xlsx import CellError, ErrorList

        errors = ErrorList(limit=3)
        errors.append(CellError("S", 1, 1, "a"))
        errors.stop(CellError("S", 9, None, "stop"))
        errors.stop(CellError("S", 10, None, "second stop ignored"))
        for message in "bcde":  # e.g. the per-column errors reported after the rows were read
            errors.append(CellError("S", 2, 2, message))
        self.assertEqual([e.message for e in errors], ["a", "b", "c", "stop"])
        self.assertEqual((errors.more, errors.total, errors.stopped), (2, 6, True))
        self.assertTrue(ErrorList(limit=0).stopped is False and not ErrorList(limit=0))


class RosterFileTests(SimpleTestCase):
    """The survey roster import (surveys.excel) is bounded like the others."""

    def roster(self, rows: str = "") -> bytes:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "名单"
        ws.append(["姓名", "电话", "片区", "服务类型"])
        ws.append(["张测试", "13800000000", "片区一", "长者"])
        return craft.append_rows(to_bytes(wb), rows)

    def test_values_beyond_the_columns_one_error_per_column(self):
        from surveys.excel import parse_roster

        parsed = parse_roster(craft.append_rows(self.roster(), craft.extra_columns_rows(3, 2, first_col=6, cols=1)))
        self.assertEqual([str(e) for e in parsed.errors], [
            "工作表“名单” 第3行 第F列：模板只有 A–D 列，模板之外的列不能填写（本列共 2 个单元格有内容，请删除）。"
        ])

    def test_a_full_error_list_stops_reading_and_says_so(self):
        """Reading stops once 200 errors are listed (a 5 MB file of bad rows is not read to its end): the stop notice
        says the count is not the whole story, so the page says "至少" as the other imports do."""
        from surveys.excel import parse_roster

        rows = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>姓名{r}</t></is></c>'
                       f'<c r="B{r}" t="inlineStr"><is><t>123</t></is></c></row>' for r in range(3, 3000))
        parsed = parse_roster(self.roster(rows))
        self.assertTrue(parsed.errors.stopped)
        self.assertEqual((len(parsed.errors), parsed.errors.more, parsed.errors.total), (201, 1, 202))
        self.assertEqual(str(parsed.errors[-1]), "工作表“名单” 第203行：错误超过 200 处，已停止检查：请改正以上错误后重新上传。")

    @override_settings(EXCEL_MAX_CELLS=1000)
    def test_a_value_in_the_last_column_on_every_row_is_bounded(self):
        from surveys.excel import parse_roster

        rows = "".join(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>' for r in range(3, 5000))
        parsed = parse_roster(craft.set_dimension(self.roster(rows), "A1:D2"))
        self.assertEqual([str(e) for e in parsed.errors], [
            "工作表“名单” 第3行：文件内容超出检查上限（1000 个单元格），已停止检查：请只保留模板中的行和列后再上传。"
        ])

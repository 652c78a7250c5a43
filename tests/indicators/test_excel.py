"""Excel in and out (issue 3 §6): 附件1 export (button and command), entry template, checked import with preview,
idempotent re-import, and every bad upload refused with its exact message and nothing written."""

import io
import zipfile
from datetime import date
from decimal import Decimal
from unittest import mock

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase, override_settings
from django.urls import reverse

from evalportal.periods import Quarter
from evalportal.xlsx import safe_text
from indicators.changes import CellChange
from indicators.models import MonthlyActual
from indicators.services import actuals_save
from stations.models import AuditEntry, ImportBatch

from .factories import build_world

Q1 = Quarter(2025, 1)
JAN, FEB = date(2025, 1, 1), date(2025, 2, 1)


def load(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def to_bytes(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


class ExportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        area = cls.w.areas[0]
        visit = cls.w.indicators["home_visit"]
        for month, value in ((date(2024, 12, 1), 200), (JAN, 338)):
            MonthlyActual.objects.create(contract=cls.w.contract, service_area=area, indicator=visit, month=month,
                                         value=Decimal(value))
        MonthlyActual.objects.create(contract=cls.w.contract, indicator=cls.w.indicators["training_hours"],
                                     month=JAN, value=Decimal("783.5"))

    def test_button_downloads_the_annex1_layout(self):
        self.client.force_login(self.w.users["bureau_lw"])
        response = self.client.get(reverse("indicator_export", args=[self.w.contract.code]), {"until": "2025-01-31"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        self.assertIn("attachment;", response["Content-Disposition"])
        ws = load(response.content).active
        self.assertEqual(ws["A1"].value, "广州市西村街社工服务站购买服务项目指标完成情况统计表")
        self.assertEqual(ws["A2"].value, "考核期：2024年12月至2025年01月，共 2 个月；统计截至 2025-01-31")
        merged = {str(r) for r in ws.merged_cells.ranges}
        self.assertTrue({"A3:A4", "B3:B4", "C3:E3", "F3:H3", "I3:K3"} <= merged)
        self.assertEqual([ws.cell(4, c).value for c in range(3, 9)], ["协议量", "完成量", "百分比"] * 2)
        self.assertEqual(ws["F3"].value, "入户探访")
        # 片区1: 入户探访 538 / 700 → 76.86% as a number formatted 0.00%
        self.assertEqual((ws["A5"].value, ws["F5"].value, ws["G5"].value), ("片区1", 700, 538))
        self.assertEqual(ws["H5"].value, 0.7686)
        self.assertEqual(ws["H5"].number_format, "0.00%")
        # 电访 has no target: "/"
        self.assertEqual((ws["I5"].value, ws["K5"].value), ("/", "/"))
        # 合计 sums first: 538 / 2100
        self.assertEqual((ws["A8"].value, ws["F8"].value, ws["G8"].value, ws["H8"].value), ("合计", 2100, 538, 0.2562))
        rows = list(ws.iter_rows(min_row=9, values_only=True))
        training = next(r for r in rows if r[0] == "培训时数")
        self.assertEqual(training[2:5], (1080, 783.5, 0.7255))

    def test_command_writes_the_same_workbook(self):
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "fj1.xlsx"
            call_command("export_indicators", self.w.contract.code, "--until", "2025-01-31", "--out", str(out),
                         stdout=io.StringIO())
            ws = load(out.read_bytes()).active
            self.assertEqual(ws["H5"].value, 0.7686)
            with self.assertRaisesMessage(CommandError, "找不到协议代码“nope”。"):
                call_command("export_indicators", "nope", "--until", "2025-01-31", "--out", str(out))
            with self.assertRaisesMessage(CommandError, "--until 格式应为 YYYY-MM-DD，收到“2025/01/31”。"):
                call_command("export_indicators", self.w.contract.code, "--until", "2025/01/31", "--out", str(out))

    def test_export_neutralises_formula_text(self):
        area = self.w.areas[1]
        area.name = "=HYPERLINK(\"http://x\")"
        area.save()
        self.client.force_login(self.w.users["street_xc"])
        response = self.client.get(reverse("indicator_export", args=[self.w.contract.code]), {"until": "2025-01-31"})
        ws = load(response.content).active
        self.assertEqual(ws["A6"].value, "'=HYPERLINK(\"http://x\")")
        self.assertEqual(ws["A6"].data_type, "s")
        for text, expected in (("+1", "'+1"), ("-2", "'-2"), ("@SUM", "'@SUM"), ("正常", "正常"), (5, 5)):
            self.assertEqual(safe_text(text), expected)


class TemplateAndImportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=2)

    def setUp(self):
        self.client.force_login(self.w.users["street_xc"])
        self.import_url = reverse("quarter_import", args=[self.w.contract.code, Q1.slug])

    def template(self):
        response = self.client.get(reverse("quarter_template", args=[self.w.contract.code, Q1.slug]))
        self.assertEqual(response.status_code, 200)
        return load(response.content)

    def upload(self, data: bytes, name="filled.xlsx"):
        return self.client.post(self.import_url, {"file": SimpleUploadedFile(name, data)})

    def filled(self, edits: dict[str, object]) -> bytes:
        wb = self.template()
        ws = wb["完成量填报"]
        for ref, value in edits.items():
            ws[ref] = value
        return to_bytes(wb)

    def test_template_lists_areas_and_indicators_with_stored_values(self):
        actuals_save(contract=self.w.contract, quarter=Q1, user=self.w.users["street_xc"],
                     changes=[CellChange(self.w.areas[0].pk, self.w.indicators["home_visit"].pk, JAN, Decimal(12), 0)])
        ws = self.template()["完成量填报"]
        self.assertEqual([c.value for c in ws[2]][:4], ["协议代码", "xi-2024", "季度", "2025-Q1"])
        self.assertEqual([c.value for c in ws[4]], ["片区", "指标代码", "指标名称", "单位", "数值类型", "累计方式", "年度协议量",
                                                    "2025年1月", "2025年2月", "2025年3月"])
        rows = [[c.value for c in r] for r in ws.iter_rows(min_row=5)]
        self.assertEqual(len(rows), 2 * 3 + 2)  # 2 片区 × 3 area indicators + 2 station-wide
        self.assertEqual(rows[1][:3] + rows[1][6:8], ["片区1", "home_visit", "入户探访", 700, 12])
        self.assertEqual(rows[-2][:2], ["全站", "training_hours"])

    def test_valid_upload_previews_then_applies_and_reuploading_changes_nothing(self):
        data = self.filled({"H6": 120, "I6": "130", "H11": 783.5})  # 片区1 入户探访 Jan/Feb; 全站 培训时数 Jan
        response = self.upload(data)
        batch = ImportBatch.objects.get()
        self.assertRedirects(response, reverse("import_preview", args=[self.w.contract.code, batch.token]))
        preview = self.client.get(response["Location"])
        self.assertContains(preview, '<strong id="change-count">3</strong>', html=False)
        self.assertContains(preview, "片区1 · 入户探访 · 2025年1月")
        self.assertEqual(MonthlyActual.objects.count(), 0)  # nothing saved before confirmation
        applied = self.client.post(response["Location"])
        self.assertRedirects(applied, reverse("quarter_entry", args=[self.w.contract.code, Q1.slug]))
        self.assertEqual(sorted(MonthlyActual.objects.values_list("value", flat=True)),
                         [Decimal("120"), Decimal("130"), Decimal("783.5")])
        self.assertEqual(AuditEntry.objects.filter(source="Excel 导入").count(), 3)
        # the same file again: nothing to change, values replace (never add)
        second = self.upload(data)
        batch2 = ImportBatch.objects.exclude(pk=batch.pk).get()
        preview2 = self.client.get(second["Location"])
        self.assertContains(preview2, '<strong id="change-count">0</strong>', html=False)
        self.client.post(second["Location"])
        self.assertEqual(sorted(MonthlyActual.objects.values_list("value", flat=True)),
                         [Decimal("120"), Decimal("130"), Decimal("783.5")])
        self.assertEqual(AuditEntry.objects.count(), 3)
        self.assertIsNotNone(ImportBatch.objects.get(pk=batch2.pk).applied_at)

    def test_confirm_after_someone_else_changed_the_cell_is_refused(self):
        response = self.upload(self.filled({"H6": 120}))
        actuals_save(contract=self.w.contract, quarter=Q1, user=self.w.users["admin"],
                     changes=[CellChange(self.w.areas[0].pk, self.w.indicators["home_visit"].pk, JAN, Decimal(99), 0)])
        applied = self.client.post(response["Location"], follow=True)
        self.assertContains(applied, "片区1 · 入户探访 · 2025年1月：测试admin 已改为 99，文件中为 120")
        self.assertEqual(MonthlyActual.objects.get().value, Decimal(99))

    def assert_refused(self, data: bytes, messages: list[str], name="filled.xlsx"):
        response = self.upload(data, name)
        self.assertEqual(response.status_code, 400)
        shown = [str(e) for e in response.context["errors"]] or [response.context["upload_error"]]
        self.assertEqual(shown, messages)
        for message in messages:
            self.assertContains(response, message, status_code=400)
        self.assertEqual(MonthlyActual.objects.count(), 0)
        self.assertEqual(ImportBatch.objects.count(), 0)
        self.assertEqual(AuditEntry.objects.count(), 0)

    def test_wrong_types_and_negative_numbers(self):
        self.assert_refused(self.filled({"H6": 12.5, "I6": "十二", "J6": -3, "H11": 3.25, "H12": "1.234", "I5": True}), [
            "工作表“完成量填报” 第5行 第I列：片区1 · 困难群众和特殊群体建档 · 2025年2月：请输入数字。",
            "工作表“完成量填报” 第6行 第H列：片区1 · 入户探访 · 2025年1月：应为整数。",
            "工作表“完成量填报” 第6行 第I列：片区1 · 入户探访 · 2025年2月：请输入数字。",
            "工作表“完成量填报” 第6行 第J列：片区1 · 入户探访 · 2025年3月：不能为负数。",
            "工作表“完成量填报” 第11行 第H列：全站 · 培训时数 · 2025年1月：应为最多一位小数的时数。",
            "工作表“完成量填报” 第12行 第H列：全站 · 资源链接 · 2025年1月：应为最多两位小数的金额。",
        ])

    def test_unknown_area_and_indicator(self):
        self.assert_refused(self.filled({"A6": "片区九", "B7": "no_such", "H6": 1, "H7": 1}), [
            "工作表“完成量填报” 第6行 第A列：未知片区“片区九”。",
            "工作表“完成量填报” 第7行 第B列：未知指标代码“no_such”。",
        ])

    def test_missing_and_moved_headers(self):
        wb = self.template()
        ws = wb["完成量填报"]
        ws["I4"], ws["J4"] = "2025年3月", "2025年2月"  # moved
        ws["G4"] = None  # missing
        self.assert_refused(to_bytes(wb), [
            "工作表“完成量填报” 第4行 第G列：表头应为“年度协议量”，实际为“（空）”。请使用本季度下载的模板，不要移动、增加或删除列。",
            "工作表“完成量填报” 第4行 第I列：表头应为“2025年2月”，实际为“2025年3月”。请使用本季度下载的模板，不要移动、增加或删除列。",
            "工作表“完成量填报” 第4行 第J列：表头应为“2025年3月”，实际为“2025年2月”。请使用本季度下载的模板，不要移动、增加或删除列。",
        ])

    def test_formula_cells(self):
        self.assert_refused(self.filled({"H6": "=1+1"}), ["工作表“完成量填报” 第6行 第H列：不能使用公式，请只填写数值。"])

    def test_extra_sheet(self):
        wb = self.template()
        wb.create_sheet("备注")
        self.assert_refused(to_bytes(wb), ["工作表“备注”：多余的工作表“备注”：模板只能包含工作表“完成量填报”。"])

    def test_template_of_another_quarter(self):
        self.assert_refused(self.filled({"D2": "2025-Q2"}), [
            "工作表“完成量填报” 第2行：该模板属于协议“xi-2024”的“2025-Q2”，不能导入到协议“xi-2024”的“2025-Q1”。请下载本季度的模板。"
        ])

    def test_text_file_renamed_xlsx(self):
        self.assert_refused("片区,指标\n片区1,1\n".encode(), [
            "文件不是有效的 Excel（.xlsx）文件，请上传用本系统模板填写并保存的 .xlsx 文件。"
        ], name="data.xlsx")

    def test_zip_without_workbook(self):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("hello.txt", "hi")
        self.assert_refused(buf.getvalue(), ["文件不是有效的 Excel（.xlsx）文件，请上传用本系统模板填写并保存的 .xlsx 文件。"])

    def test_zip_bomb(self):
        buf = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(self.filled({}))) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for item in src.infolist():
                z.writestr(item, src.read(item.filename))
            z.writestr("xl/media/padding.bin", b"\0" * (20 * 1024 * 1024))
        self.assertLess(len(buf.getvalue()), 200 * 1024)
        self.assert_refused(buf.getvalue(), ["文件解压后过大或压缩比异常，疑似压缩炸弹，已拒绝。"])

    def xxe(self) -> bytes:
        """The template with an external entity declared in its worksheet and used in cell A1."""
        buf = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(self.filled({}))) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for item in src.infolist():
                data = src.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    text = data.decode()
                    text = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + text.split("?>", 1)[-1]
                    text = text.replace("<t>", "<t>&xxe;", 1)
                    data = text.encode()
                z.writestr(item, data)
        return buf.getvalue()

    def test_xxe_payload(self):
        self.assert_refused(self.xxe(), ["文件包含不安全的 XML 内容（DTD 或实体声明），已拒绝。"])

    def test_xxe_is_refused_even_without_the_pre_scan(self):
        with mock.patch("evalportal.xlsx.check_xlsx"):
            self.assert_refused(self.xxe(), ["文件包含不安全的 XML 内容（DTD 或实体声明），已拒绝。"])

    def test_openpyxl_parses_through_defusedxml(self):
        from defusedxml import DefusedXmlException
        from openpyxl import DEFUSEDXML

        self.assertTrue(DEFUSEDXML)
        # without our pre-scan, openpyxl itself refuses the entity (it wraps defusedxml's error in a ValueError)
        with self.assertRaises(ValueError) as ctx:
            openpyxl.load_workbook(io.BytesIO(self.xxe()), read_only=True)
        self.assertIsInstance(ctx.exception.__context__, DefusedXmlException)

    @override_settings(EXCEL_UPLOAD_MAX_BYTES=1000)
    def test_size_limit(self):
        self.assert_refused(self.filled({}), [f"文件过大（{len(self.filled({})) / 1048576:.1f} MB），上限为 0 MB。"])

    def test_submitted_quarter_cannot_be_imported(self):
        from indicators.services import quarter_submit

        quarter_submit(contract=self.w.contract, quarter=Q1, user=self.w.users["street_xc"])
        response = self.upload(self.filled({"H6": 5}))
        applied = self.client.post(response["Location"], follow=True)
        self.assertContains(applied, "2025年第一季度已提交，不能修改；如需修改，请联系区民政局退回。")
        self.assertEqual(MonthlyActual.objects.count(), 0)

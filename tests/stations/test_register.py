"""Staff register, monthly on-post grid, transfers, 附件2 Excel, activity ledger (issue 3 §4, §5, §6)."""

import io
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from unittest import mock

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from evalportal.periods import Quarter
from indicators.models import MonthlyActual
from stations.changes import StaffMonthChange
from stations.models import ActivityEntry, AuditEntry, ImportBatch, StaffMember, StaffMonth, StaffTransfer
from stations.services import staff_months_save
from tests.indicators.factories import build_world

JAN, FEB, MAR = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)


@contextmanager
def freeze_now(moment: datetime):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


class StaffRegisterTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=2)
        cls.a1, cls.a2 = cls.w.areas
        cls.lead = StaffMember.objects.create(contract=cls.w.contract, order=1, name="张测试", position="area_lead",
                                              certificate="intermediate", service_area=cls.a1, two_years_practice=True,
                                              joined_on=date(2024, 12, 11))
        cls.worker = StaffMember.objects.create(contract=cls.w.contract, order=2, name="李测试", position="area_worker",
                                                certificate="none", service_area=cls.a1, joined_on=date(2024, 12, 11))
        MonthlyActual.objects.create(contract=cls.w.contract, indicator=cls.w.indicators["training_hours"], month=JAN,
                                     value=Decimal("16"))

    def setUp(self):
        self.client.force_login(self.w.users["street_xc"])
        self.code = self.w.contract.code

    def months_url(self, quarter="2025-Q1"):
        return reverse("staff_months", args=[self.code, quarter])

    def test_add_staff_member_and_edit_is_audited(self):
        response = self.client.post(reverse("staff_create", args=[self.code]), {
            "order": 3, "name": "王测试", "position": "area_worker", "certificate": "assistant",
            "service_area": self.a2.pk, "joined_on": "2025-02-01", "contract_term": "无固定期",
        })
        self.assertRedirects(response, reverse("staff_list", args=[self.code]))
        staff = StaffMember.objects.get(name="王测试")
        self.assertEqual((staff.service_area, staff.joined_on), (self.a2, date(2025, 2, 1)))
        self.client.post(reverse("staff_edit", args=[self.code, staff.pk]), {
            "order": 3, "name": "王测试", "position": "area_worker", "certificate": "assistant",
            "joined_on": "2025-02-01", "left_on": "2025-03-15", "contract_term": "无固定期",
        })
        staff.refresh_from_db()
        self.assertEqual(staff.left_on, date(2025, 3, 15))
        self.assertEqual(staff.service_area, self.a2)  # unchanged: 片区 moves only through a transfer
        entry = AuditEntry.objects.filter(subject="staff", action="update").get()
        self.assertEqual((entry.field, entry.old_value, entry.new_value), ("离岗日期", "", "2025-03-15"))

    def test_left_before_joined_is_refused_in_chinese(self):
        response = self.client.post(reverse("staff_edit", args=[self.code, self.worker.pk]), {
            "order": 2, "name": "李测试", "position": "area_worker", "certificate": "none",
            "joined_on": "2025-02-01", "left_on": "2025-01-15",
        })
        self.assertEqual(response.status_code, 200)
        self.assertFalse(StaffMember.objects.filter(pk=self.worker.pk, left_on__isnull=False).exists())

    def test_monthly_grid_saves_and_recomputes_annex2_figures(self):
        data = {}
        for staff in (self.lead, self.worker):
            for month in (JAN, FEB):
                key = f"{staff.pk}-{month:%Y%m}"
                data.update({f"p-{key}": "1", f"s-{key}": "1", f"w-{key}": "1", f"v-{key}": "0"})
        data[f"p-{self.worker.pk}-202502"] = "0.5"
        response = self.client.post(self.months_url(), data)
        self.assertRedirects(response, self.months_url())
        self.assertEqual(StaffMonth.objects.count(), 4)
        self.assertEqual(StaffMonth.objects.get(staff=self.worker, month=FEB).on_post, Decimal("0.5"))
        self.assertEqual(StaffMonth.objects.get(staff=self.lead, month=JAN).service_area, self.a1)
        page = self.client.get(self.months_url())
        figures = page.context["grid"].figures
        # Dec–Mar (4 months): certified 2 on-post months; required 13 × 4 = 52; total 3.5; 16 h / 3.5
        self.assertEqual((figures.certified_effective, figures.required, figures.total_effective),
                         (Decimal(2), Decimal(52), Decimal("3.5")))
        self.assertEqual(figures.surplus, Decimal(-50))
        self.assertContains(page, "4.57")  # 培训时数 16 ÷ 3.5 有效人次
        self.assertEqual(AuditEntry.objects.filter(subject="staff_month").count(), 4)

    def test_invalid_on_post_is_refused(self):
        response = self.client.post(self.months_url(), {f"p-{self.lead.pk}-202501": "2", f"v-{self.lead.pk}-202501": "0"})
        self.assertContains(response, "人员到位只能为 1、0.5 或 0。", status_code=400)
        response = self.client.post(self.months_url(), {f"p-{self.lead.pk}-202501": "", f"s-{self.lead.pk}-202501": "1"})
        self.assertContains(response, "勾选社保或工资时须填写人员到位。", status_code=400)
        self.assertEqual(StaffMonth.objects.count(), 0)

    def save_as_admin(self, month, on_post, version):
        return staff_months_save(
            contract=self.w.contract, quarter=Quarter(2025, 1), user=self.w.users["admin"],
            changes=[StaffMonthChange(staff_id=self.lead.pk, month=month, on_post=on_post, social_insurance=False,
                                      salary_paid=False, expected_version=version)],
        )

    def test_stale_month_is_a_conflict_naming_the_other_editor(self):
        with freeze_now(datetime(2025, 2, 3, 1, 5, tzinfo=UTC)):  # 09:05 in Guangzhou
            self.save_as_admin(JAN, Decimal(1), 0)
        response = self.client.post(self.months_url(), {f"p-{self.lead.pk}-202501": "0", f"v-{self.lead.pk}-202501": "0",
                                                         f"o-{self.lead.pk}-202501": ""})
        self.assertContains(
            response, "张测试 · 2025年01月：测试admin 改为 到位1 社保× 工资×（02-03 09:05），您填写 到位0 社保× 工资×",
            status_code=409,
        )
        self.assertContains(response, "测试admin 已改为：到位1 社保× 工资×", status_code=409)
        record = StaffMonth.objects.get()
        self.assertEqual((record.on_post, record.updated_by), (Decimal(1), self.w.users["admin"]))
        # the page now carries the current version and values: saving again overwrites knowingly
        self.assertContains(response, f'name="o-{self.lead.pk}-202501" value="1|0|0"', status_code=409)
        self.assertContains(response, f'name="v-{self.lead.pk}-202501" value="1"', status_code=409)

    def test_removed_month_conflict_names_who_removed_it(self):
        self.save_as_admin(JAN, Decimal(1), 0)
        self.save_as_admin(JAN, None, 1)
        response = self.client.post(self.months_url(), {f"p-{self.lead.pk}-202501": "0.5", f"v-{self.lead.pk}-202501": "1",
                                                         f"o-{self.lead.pk}-202501": "1|0|0"})
        self.assertContains(response, "测试admin 改为 （空），您填写 到位0.5 社保× 工资×", status_code=409)

    def test_untouched_cell_changed_meanwhile_is_neither_a_conflict_nor_overwritten(self):
        """Two people on the same quarter, each changing a different month: both changes are kept."""
        page = self.client.get(self.months_url())  # the street office opens the grid: January and February empty
        self.assertContains(page, f'name="o-{self.lead.pk}-202501" value=""')
        self.save_as_admin(JAN, Decimal(1), 0)  # meanwhile the admin fills January
        response = self.client.post(self.months_url(), {
            f"p-{self.lead.pk}-202501": "", f"v-{self.lead.pk}-202501": "0", f"o-{self.lead.pk}-202501": "",
            f"p-{self.lead.pk}-202502": "0.5", f"v-{self.lead.pk}-202502": "0", f"o-{self.lead.pk}-202502": "",
        })
        self.assertRedirects(response, self.months_url())
        self.assertEqual(dict(StaffMonth.objects.values_list("month", "on_post")),
                         {JAN: Decimal(1), FEB: Decimal("0.5")})

    def test_malformed_on_post_is_a_cell_error_not_a_server_error(self):
        for raw in ("sNaN", "NaN", "Infinity", "1e0", "abc"):
            with self.subTest(raw=raw):
                response = self.client.post(self.months_url(), {f"p-{self.lead.pk}-202501": raw,
                                                                 f"v-{self.lead.pk}-202501": "0"})
                self.assertContains(response, "人员到位只能为 1、0.5 或 0。", status_code=400)
        self.assertFalse(StaffMonth.objects.exists())

    def test_transfer_moves_current_area_and_later_months(self):
        StaffMonth.objects.bulk_create([StaffMonth(staff=self.lead, month=m, on_post=Decimal(1), service_area=self.a1)
                                        for m in (JAN, FEB, MAR)])
        response = self.client.post(reverse("staff_transfer", args=[self.code, self.lead.pk]),
                                    {"to_area": self.a2.pk, "date": "2025-02-01", "reason": "片区二主管空缺"})
        self.assertRedirects(response, reverse("staff_list", args=[self.code]))
        self.lead.refresh_from_db()
        self.assertEqual(self.lead.service_area, self.a2)
        self.assertEqual(dict(StaffMonth.objects.filter(staff=self.lead).values_list("month", "service_area")),
                         {JAN: self.a1.pk, FEB: self.a2.pk, MAR: self.a2.pk})
        transfer = StaffTransfer.objects.get()
        self.assertEqual((transfer.from_area, transfer.to_area, transfer.date), (self.a1, self.a2, date(2025, 2, 1)))
        entry = AuditEntry.objects.get(action="transfer")
        self.assertEqual((entry.old_value, entry.new_value, entry.reason), ("片区1", "片区2", "2025-02-01 起调动：片区二主管空缺"))
        self.assertContains(self.client.get(reverse("staff_list", args=[self.code])), "片区1 → 片区2（片区二主管空缺）")

    def test_transfer_outside_contract_is_refused(self):
        response = self.client.post(reverse("staff_transfer", args=[self.code, self.lead.pk]),
                                    {"to_area": self.a2.pk, "date": "2026-02-01"})
        self.assertContains(response, "调动日期 2026-02-01 不在服务协议期内（2024-12-11 至 2025-12-10）。")
        self.assertFalse(StaffTransfer.objects.exists())

    def test_annex2_export_and_reimport_is_idempotent(self):
        StaffMonth.objects.create(staff=self.lead, month=JAN, on_post=Decimal(1), social_insurance=True, salary_paid=True)
        response = self.client.get(reverse("staff_export", args=[self.code]), {"from": "2025-01-01", "until": "2025-02-28"})
        self.assertEqual(response.status_code, 200)
        wb = openpyxl.load_workbook(io.BytesIO(response.content))
        ws = wb["社工到岗情况"]
        self.assertEqual(ws["A1"].value, "广州市西村街社工服务站购买服务项目社工到岗情况统计表")
        self.assertEqual([ws.cell(3, c).value for c in (1, 2, 3, 7, 10, 13, 14, 15)],
                         ["类型", "序号", "姓名", "2025年1月", "2025年2月", "人员到岗小计", "2年以上的社工到岗小计", "备注"])
        self.assertEqual([ws.cell(4, c).value for c in (7, 8, 9)], ["人员到位", "社保购买", "工资发放"])
        self.assertEqual([ws.cell(5, c).value for c in (1, 2, 3, 7, 8, 9, 13)], ["持证社工", 1, "张测试", 1, "√", "√", 1])
        # fill February for both and import
        rows = {ws.cell(r, 3).value: r for r in range(5, 12)}
        for name, value in (("张测试", 1), ("李测试", 0.5)):
            ws.cell(rows[name], 10, value)
            ws.cell(rows[name], 11, "√")
        buf = io.BytesIO()
        wb.save(buf)
        data = buf.getvalue()
        upload = self.client.post(reverse("staff_import", args=[self.code]), {"file": SimpleUploadedFile("a2.xlsx", data)})
        self.assertEqual(upload.status_code, 302)
        preview = self.client.get(upload["Location"])
        self.assertContains(preview, '<strong id="change-count">2</strong>', html=False)
        token = ImportBatch.objects.get().token
        self.client.post(reverse("staff_import", args=[self.code]), {"token": token})
        self.assertEqual(dict(StaffMonth.objects.filter(month=FEB).values_list("staff__name", "on_post")),
                         {"张测试": Decimal(1), "李测试": Decimal("0.5")})
        again = self.client.post(reverse("staff_import", args=[self.code]), {"file": SimpleUploadedFile("a2.xlsx", data)})
        self.assertContains(self.client.get(again["Location"]), '<strong id="change-count">0</strong>', html=False)
        self.assertEqual(StaffMonth.objects.count(), 3)

    def test_annex2_import_errors(self):
        response = self.client.get(reverse("staff_export", args=[self.code]), {"from": "2025-01-01", "until": "2025-01-31"})
        wb = openpyxl.load_workbook(io.BytesIO(response.content))
        ws = wb["社工到岗情况"]
        worker_row = next(r for r in range(5, 12) if ws.cell(r, 3).value == "李测试")
        self.assertEqual(worker_row, 7)  # 持证 张测试, 持证社工小计, then 非持证 李测试
        ws.cell(5, 7, 2)
        ws.cell(5, 3, "不存在")
        ws.cell(7, 7, 1)
        ws.cell(7, 8, "有")
        buf = io.BytesIO()
        wb.save(buf)
        upload = self.client.post(reverse("staff_import", args=[self.code]), {"file": SimpleUploadedFile("a2.xlsx", buf.getvalue())})
        self.assertEqual([str(e) for e in upload.context["errors"]], [
            "工作表“社工到岗情况” 第5行 第C列：名册中没有序号 1、姓名“不存在”的社工。",
            "工作表“社工到岗情况” 第7行 第H列：李测试 · 2025年1月：社保购买应为“√”或空白。",
        ])
        self.assertEqual(StaffMonth.objects.count(), 0)


class ActivityLedgerTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)
        cls.project = cls.w.contract.service_projects.create(kind="basic", name="长者服务")

    def setUp(self):
        self.client.force_login(self.w.users["street_xc"])
        self.code = self.w.contract.code

    def test_create_list_edit_delete_with_confirmation(self):
        response = self.client.post(reverse("activity_create", args=[self.code]), {
            "date": "2025-01-05", "name": "长者生日会", "nature": "medium", "participants": 45,
            "partners": "某爱心企业", "service_project": self.project.pk,
        })
        self.assertRedirects(response, reverse("activity_list", args=[self.code]))
        activity = ActivityEntry.objects.get()
        self.assertEqual((activity.participants, activity.created_by), (45, self.w.users["street_xc"]))
        listing = self.client.get(reverse("activity_list", args=[self.code]))
        self.assertContains(listing, "长者生日会")
        self.assertContains(listing, "中型活动")
        self.client.post(reverse("activity_edit", args=[self.code, activity.pk]), {
            "date": "2025-01-05", "name": "长者生日会", "nature": "medium", "participants": 50,
        })
        activity.refresh_from_db()
        self.assertEqual(activity.participants, 50)
        confirm = self.client.get(reverse("activity_delete", args=[self.code, activity.pk]))
        self.assertContains(confirm, "确定删除 2025-01-05“长者生日会”（50 人次）？")
        self.assertTrue(ActivityEntry.objects.exists())
        self.client.post(reverse("activity_delete", args=[self.code, activity.pk]), {"reason": "重复录入"})
        self.assertFalse(ActivityEntry.objects.exists())
        self.assertEqual(
            list(AuditEntry.objects.filter(subject="activity").order_by("id").values_list("action", "field", "old_value", "new_value")),
            [("create", "完成日期", "", "2025-01-05"), ("create", "活动名称", "", "长者生日会"), ("create", "活动性质", "", "中型活动"),
             ("create", "服务人次", "", "45"), ("create", "资源联动主体", "", "某爱心企业"), ("create", "服务项目", "", "基础项目：长者服务"),
             ("update", "服务人次", "45", "50"),
             ("update", "资源联动主体", "某爱心企业", ""), ("update", "服务项目", "基础项目：长者服务", ""),
             ("delete", "活动", "2025-01-05 长者生日会 50人次", "")],
        )

    def test_negative_participants_refused(self):
        response = self.client.post(reverse("activity_create", args=[self.code]), {
            "date": "2025-01-05", "name": "x", "participants": -1,
        })
        self.assertContains(response, "确保该值大于或等于0。")
        self.assertFalse(ActivityEntry.objects.exists())

    def test_pagination(self):
        ActivityEntry.objects.bulk_create([ActivityEntry(contract=self.w.contract, date=date(2025, 1, 1), name=f"活动{i}",
                                                         participants=1) for i in range(30)])
        page2 = self.client.get(reverse("activity_list", args=[self.code]), {"page": 2})
        self.assertEqual(len(page2.context["page"].object_list), 5)
        self.assertContains(page2, "第 2 / 2 页")
        self.assertContains(page2, "共 30 条。")


class StaffFigureFormatTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)

    def test_halves_print_as_annex2_does(self):
        from stations.calculations import format_halves

        for value, text in (("77.5", "77.5"), ("65", "65"), ("100", "100"), ("100.0", "100"), ("-12.5", "-12.5"),
                            ("0", "0"), ("1E+2", "100")):
            with self.subTest(value=value):
                self.assertEqual(format_halves(Decimal(value)), text)

    def test_grid_prints_one_hundred_not_an_exponent(self):
        self.w.contract.required_certified_staff = 25  # × 4 months (Dec–Mar) = 100 应到岗
        self.w.contract.save(update_fields=["required_certified_staff"])
        self.client.force_login(self.w.users["street_xc"])
        response = self.client.get(reverse("staff_months", args=[self.w.contract.code, "2025-Q1"]))
        self.assertContains(response, '<dd class="col-4 table-num" id="fig-required">100</dd>', html=True)
        self.assertContains(response, '<dd class="col-4 table-num" id="fig-surplus">-100</dd>', html=True)
        self.assertNotContains(response, "E+2")

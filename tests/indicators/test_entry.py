"""Quarterly entry (issue 3 §3, §7, §8): grid, save draft, validation at the cell, submit, return, audit."""

from datetime import UTC, date, datetime
from decimal import Decimal

from django.test import TestCase
from django.urls import reverse

from evalportal.edits import ConcurrentEdit
from evalportal.periods import Quarter
from indicators.changes import CellChange
from indicators.entry import cell_name, entry_grid
from indicators.models import MonthlyActual
from indicators.services import QuarterLocked, actuals_save, quarter_submit
from stations.models import AuditEntry, QuarterSubmission

from .factories import build_world

Q1 = Quarter(2025, 1)
JAN, FEB, MAR = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)


def url(world, quarter=Q1):
    return reverse("quarter_entry", args=[world.contract.code, quarter.slug])


class EntryGridTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def setUp(self):
        self.client.force_login(self.w.users["street_xc"])
        self.area = self.w.areas[0]
        self.visit = self.w.indicators["home_visit"]

    def name(self, month, area=None, indicator=None):
        area = self.area if area is None else area
        return cell_name(area.pk if area else None, (indicator or self.visit).pk, month)

    def post(self, data, action="save", quarter=Q1):
        return self.client.post(url(self.w, quarter), {"action": action, **data})

    def test_street_office_sees_its_grid_with_every_area_and_station_section(self):
        response = self.client.get(url(self.w))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "2025年第一季度指标完成量填报")
        for area in self.w.areas:
            self.assertContains(response, f"<h2 class=\"h6 mb-0\">{area.name}</h2>", html=False)
        self.assertContains(response, "全站指标")
        self.assertContains(response, f'name="{self.name(JAN)}"')
        self.assertContains(response, "保存草稿")

    def test_save_draft_stores_values_and_audits_each_cell(self):
        response = self.post({self.name(JAN): "120", self.name(FEB): "1,30"})
        self.assertEqual(response.status_code, 302)
        stored = dict(MonthlyActual.objects.filter(service_area=self.area, indicator=self.visit).values_list("month", "value"))
        self.assertEqual(stored, {JAN: Decimal("120"), FEB: Decimal("130")})
        entries = AuditEntry.objects.filter(subject="actual").order_by("month")
        self.assertEqual([(e.action, e.old_value, e.new_value, e.user_id) for e in entries],
                         [("create", "", "120", self.w.users["street_xc"].pk), ("create", "", "130", self.w.users["street_xc"].pk)])
        self.assertEqual(entries[0].label, "片区1 · 入户探访 · 2025年1月")
        self.assertEqual(entries[0].quarter, "2025-Q1")

    def test_grid_shows_cumulative_rate_and_pace_from_the_server(self):
        MonthlyActual.objects.create(contract=self.w.contract, service_area=self.area, indicator=self.visit,
                                     month=date(2024, 12, 1), value=Decimal(200))
        MonthlyActual.objects.create(contract=self.w.contract, service_area=self.area, indicator=self.visit,
                                     month=JAN, value=Decimal(338))
        grid = entry_grid(contract=self.w.contract, quarter=Q1, user=self.w.users["street_xc"])
        row = grid.sections[0].rows[1]
        self.assertEqual(row.indicator.code, "home_visit")
        self.assertEqual(row.cumulative, Decimal(538))
        self.assertEqual(row.percent, "76.86%")  # 538/700, seed 001
        self.assertEqual((grid.elapsed_months, grid.total_months), (4, 12))  # Dec–Mar of 12 months
        self.assertEqual(row.expected_text, "233")  # 700 × 4/12 = 233.33
        self.assertFalse(row.behind)

    def test_stock_indicator_takes_the_latest_month(self):
        stock = self.w.indicators["registered_clients"]
        for month, value in ((date(2024, 12, 1), 700), (JAN, 742)):
            MonthlyActual.objects.create(contract=self.w.contract, service_area=self.area, indicator=stock,
                                         month=month, value=Decimal(value))
        row = entry_grid(contract=self.w.contract, quarter=Q1, user=self.w.users["street_xc"]).sections[0].rows[0]
        self.assertEqual((row.cumulative, row.percent, row.behind), (Decimal(742), "100.00%", False))

    def test_invalid_cells_show_messages_at_the_cell_and_nothing_is_saved(self):
        hours = self.w.indicators["training_hours"]
        response = self.post({
            self.name(JAN): "12.5", self.name(FEB): "-3", self.name(MAR): "abc",
            self.name(JAN, area=False, indicator=hours): "3.25",
        })
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "有 4 个单元格填写有误，未保存任何数据。", status_code=400)
        content = response.content.decode()
        for name, message in ((self.name(JAN), "应为整数。"), (self.name(FEB), "不能为负数。"),
                              (self.name(MAR), "请输入数字。"),
                              (cell_name(None, hours.pk, JAN), "应为最多一位小数的时数。")):
            self.assertIn(f'id="err-{name}">{message}</div>', content)
        self.assertEqual(MonthlyActual.objects.count(), 0)
        self.assertEqual(AuditEntry.objects.count(), 0)

    def test_hours_accept_one_decimal_and_money_two(self):
        hours, money = self.w.indicators["training_hours"], self.w.indicators["resources"]
        response = self.post({cell_name(None, hours.pk, JAN): "783.5", cell_name(None, money.pk, JAN): "1500.25"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(sorted(MonthlyActual.objects.values_list("value", flat=True)),
                         [Decimal("783.50"), Decimal("1500.25")])

    def test_month_outside_contract_is_locked_and_explained(self):
        response = self.client.get(url(self.w, Quarter(2024, 4)))
        self.assertContains(response, "不在协议期内")
        self.assertNotContains(response, f'name="{self.name(date(2024, 11, 1))}"')
        self.assertContains(response, f'name="{self.name(date(2024, 12, 1))}"')
        # posting a closed month anyway changes nothing
        self.post({self.name(date(2024, 11, 1)): "5"}, quarter=Quarter(2024, 4))
        self.assertEqual(MonthlyActual.objects.count(), 0)

    def test_submit_makes_the_quarter_read_only_and_bureau_returns_it_with_reason(self):
        response = self.post({self.name(JAN): "10"}, action="submit")
        self.assertEqual(response.status_code, 302)
        submission = QuarterSubmission.objects.get()
        self.assertEqual(submission.status, "submitted")
        page = self.client.get(url(self.w))
        self.assertContains(page, "表格只读（已提交）")
        self.assertNotContains(page, f'name="{self.name(JAN)}"')
        self.post({self.name(JAN): "99"})
        self.assertEqual(MonthlyActual.objects.get().value, Decimal(10))

        self.client.force_login(self.w.users["bureau_lw"])
        bureau_page = self.client.get(url(self.w))
        self.assertContains(bureau_page, "退回本季度数据")
        self.client.post(reverse("quarter_return", args=[self.w.contract.code, Q1.slug]), {"reason": "一月入户探访数据与台账不符"})
        submission.refresh_from_db()
        self.assertEqual((submission.status, submission.return_reason), ("returned", "一月入户探访数据与台账不符"))

        self.client.force_login(self.w.users["street_xc"])
        page = self.client.get(url(self.w))
        self.assertContains(page, "退回原因：</strong>一月入户探访数据与台账不符")
        home = self.client.get(reverse("home"))
        self.assertContains(home, "一月入户探访数据与台账不符")
        self.assertEqual(list(AuditEntry.objects.filter(subject="submission").order_by("at", "id").values_list("action", "reason")),
                         [("submit", ""), ("return", "一月入户探访数据与台账不符")])

    def test_return_needs_a_reason(self):
        quarter_submit(contract=self.w.contract, quarter=Q1, user=self.w.users["street_xc"])
        self.client.force_login(self.w.users["bureau_lw"])
        response = self.client.post(reverse("quarter_return", args=[self.w.contract.code, Q1.slug]), {"reason": "  "}, follow=True)
        self.assertContains(response, "请填写退回原因。")
        self.assertEqual(QuarterSubmission.objects.get().status, "submitted")

    def test_other_bureau_cannot_return(self):
        quarter_submit(contract=self.w.contract, quarter=Q1, user=self.w.users["street_xc"])
        self.client.force_login(self.w.users["bureau_by"])
        response = self.client.post(reverse("quarter_return", args=[self.w.contract.code, Q1.slug]), {"reason": "x"})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(QuarterSubmission.objects.get().status, "submitted")

    def test_bureau_sees_grid_read_only_with_reason(self):
        self.client.force_login(self.w.users["bureau_lw"])
        response = self.client.get(url(self.w))
        self.assertContains(response, "没有修改权限（无权限）")
        self.assertNotContains(response, "保存草稿")
        self.assertEqual(self.client.post(url(self.w), {self.name(JAN): "1"}).status_code, 403)

    def test_second_save_of_a_stale_form_is_refused_and_shows_the_other_change(self):
        first = self.client.get(url(self.w))
        self.assertEqual(first.status_code, 200)
        # someone else saves January meanwhile
        actuals_save(contract=self.w.contract, quarter=Q1, user=self.w.users["admin"],
                     changes=[CellChange(self.area.pk, self.visit.pk, JAN, Decimal(50), 0)])
        response = self.client.post(url(self.w), {"action": "save", self.name(JAN): "60", f"o-{self.name(JAN)}": "",
                                                  f"v-{self.name(JAN)}": "0", self.name(FEB): "7",
                                                  f"o-{self.name(FEB)}": "", f"v-{self.name(FEB)}": "0"})
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "测试admin 已改为 50", status_code=409)
        self.assertContains(response, "您填写的是 <strong>60</strong>", status_code=409)
        self.assertEqual(MonthlyActual.objects.get().value, Decimal(50))  # nothing lost, nothing half-saved
        content = response.content.decode()
        self.assertIn(f'name="{self.name(JAN)}" id="{self.name(JAN)}" value="60"', content)
        self.assertIn(f'name="v-{self.name(JAN)}" value="1"', content)
        # saving again, knowingly, overwrites
        again = self.client.post(url(self.w), {"action": "save", self.name(JAN): "60", f"o-{self.name(JAN)}": "50",
                                               f"v-{self.name(JAN)}": "1"})
        self.assertEqual(again.status_code, 302)
        self.assertEqual(MonthlyActual.objects.get().value, Decimal(60))

    def test_conflict_at_the_cell_shows_guangzhou_time(self):
        actuals_save(contract=self.w.contract, quarter=Q1, user=self.w.users["admin"],
                     changes=[CellChange(self.area.pk, self.visit.pk, JAN, Decimal(50), 0)])
        MonthlyActual.objects.update(updated_at=datetime(2025, 2, 3, 17, 30, tzinfo=UTC))  # 01:30 next day in 广州
        response = self.client.post(url(self.w), {"action": "save", self.name(JAN): "60", f"o-{self.name(JAN)}": "",
                                                  f"v-{self.name(JAN)}": "0"})
        self.assertContains(response, "测试admin 已改为 50（02-04 01:30）", status_code=409)
        self.assertContains(response, "测试admin于 02-04 01:30 改为", status_code=409)

    def test_untouched_stale_cells_do_not_conflict(self):
        actuals_save(contract=self.w.contract, quarter=Q1, user=self.w.users["admin"],
                     changes=[CellChange(self.area.pk, self.visit.pk, JAN, Decimal(50), 0)])
        response = self.client.post(url(self.w), {"action": "save", self.name(JAN): "", f"o-{self.name(JAN)}": "",
                                                   f"v-{self.name(JAN)}": "0", self.name(FEB): "7",
                                                   f"o-{self.name(FEB)}": "", f"v-{self.name(FEB)}": "0"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(MonthlyActual.objects.count(), 2)

    def test_service_refuses_submitted_quarter(self):
        quarter_submit(contract=self.w.contract, quarter=Q1, user=self.w.users["street_xc"])
        with self.assertRaisesMessage(QuarterLocked, "2025年第一季度已提交，不能修改；如需修改，请联系区民政局退回。"):
            actuals_save(contract=self.w.contract, quarter=Q1, user=self.w.users["street_xc"],
                         changes=[CellChange(self.area.pk, self.visit.pk, JAN, Decimal(1), 0)])

    def test_service_conflict_lists_the_cell(self):
        actuals_save(contract=self.w.contract, quarter=Q1, user=self.w.users["admin"],
                     changes=[CellChange(self.area.pk, self.visit.pk, JAN, Decimal(50), 0)])
        with self.assertRaises(ConcurrentEdit) as ctx:
            actuals_save(contract=self.w.contract, quarter=Q1, user=self.w.users["street_xc"],
                         changes=[CellChange(self.area.pk, self.visit.pk, JAN, Decimal(70), 0)])
        conflict = ctx.exception.conflicts[0]
        self.assertEqual((conflict.label, conflict.current_value, conflict.your_value, conflict.changed_by),
                         ("片区1 · 入户探访 · 2025年1月", "50", "70", "测试admin"))

    def test_audit_page_per_quarter_and_per_cell(self):
        actuals_save(contract=self.w.contract, quarter=Q1, user=self.w.users["street_xc"],
                     changes=[CellChange(self.area.pk, self.visit.pk, JAN, Decimal(5), 0),
                              CellChange(self.area.pk, self.visit.pk, FEB, Decimal(6), 0)])
        actuals_save(contract=self.w.contract, quarter=Q1, user=self.w.users["street_xc"],
                     changes=[CellChange(self.area.pk, self.visit.pk, JAN, Decimal(8), 1)], reason="更正")
        audit = reverse("quarter_audit", args=[self.w.contract.code, Q1.slug])
        page = self.client.get(audit)
        self.assertContains(page, "片区1 · 入户探访 · 2025年2月")
        cell = self.client.get(audit, {"area": self.area.pk, "indicator": self.visit.pk, "month": "2025-1"})
        self.assertEqual([(e.old_value, e.new_value) for e in cell.context["page"].object_list], [("5", "8"), ("", "5")])
        self.assertContains(cell, "更正")
        self.assertEqual(self.client.get(audit, {"area": "x"}).status_code, 404)

    def test_submit_refused_when_someone_saved_in_between(self):
        page = self.client.get(url(self.w))
        version = page.context["grid"].version
        actuals_save(contract=self.w.contract, quarter=Q1, user=self.w.users["admin"],
                     changes=[CellChange(self.area.pk, self.visit.pk, FEB, Decimal(9), 0)])
        response = self.client.post(url(self.w), {"action": "submit", "quarter_version": version})
        self.assertContains(response, "提交未成功：本季度数据在您打开本页后已被他人修改", status_code=400)
        self.assertEqual(QuarterSubmission.objects.get().status, "draft")


class AdminCorrectionAuditTests(TestCase):
    """A correction made in the admin is kept in the audit trail like the portal's (source 后台)."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)

    def test_admin_edit_and_delete_of_an_actual_are_audited(self):
        admin_user = self.w.users["admin"]
        self.client.force_login(admin_user)
        actual = MonthlyActual.objects.create(contract=self.w.contract, service_area=self.w.areas[0],
                                              indicator=self.w.indicators["home_visit"], month=JAN, value=Decimal(90))
        change = reverse("admin:indicators_monthlyactual_change", args=[actual.pk])
        response = self.client.post(change, {"contract": actual.contract_id, "service_area": actual.service_area_id,
                                             "indicator": actual.indicator_id, "month": "2025-01-01", "value": "95"})
        self.assertEqual(response.status_code, 302)
        self.client.post(reverse("admin:indicators_monthlyactual_delete", args=[actual.pk]), {"post": "yes"})
        self.assertEqual(
            list(AuditEntry.objects.order_by("id").values_list("action", "old_value", "new_value", "source", "quarter",
                                                                 "label")),
            [("update", "90", "95", "后台", "2025-Q1", "片区1 · 入户探访 · 2025年1月"),
             ("delete", "95", "", "后台", "2025-Q1", "片区1 · 入户探访 · 2025年1月")],
        )


class ContractIndicatorSetTests(TestCase):
    """The grid offers the contract's indicators — targets or figures, plus the per-片区 catalogue that 附件1
    prints — not the whole catalogue (indicators.selectors.contract_indicators, shared with the 附件1 table)."""

    @classmethod
    def setUpTestData(cls):
        from demo.loader import demo_load

        demo_load()

    def codes(self, contract_code: str, quarter: Quarter) -> tuple[list[str], list[str]]:
        from indicators.entry import entry_grid
        from stations.models import Contract, User

        grid = entry_grid(
            contract=Contract.objects.get(code=contract_code), quarter=quarter, user=User.objects.get(username="admin")
        )
        area = [row.indicator.code for row in next((s.rows for s in grid.sections if s.area is not None), [])]
        station = [row.indicator.code for s in grid.sections if s.area is None for row in s.rows]
        return area, station

    def test_xicun_grid_matches_the_annex_1_columns_and_station_rows(self):
        from datetime import date

        from indicators.selectors import indicator_completion_table
        from stations.models import Contract

        table = indicator_completion_table(Contract.objects.get(code="xicun-2024"), date(2025, 4, 30))
        area, station = self.codes("xicun-2024", Quarter(2025, 1))
        self.assertEqual(area, [c.code for c in table.area_columns])
        self.assertEqual(station, [r.indicator.code for r in table.station_rows])
        self.assertIn("consultation_case", area)  # 附件1 prints 咨询个案 with "/" although it has no target
        self.assertNotIn("regular_services", station)  # a seed 003 indicator xicun does not use

    def test_a_contract_without_areas_enters_only_its_own_indicators(self):
        from indicators.models import IndicatorDefinition, Target
        from stations.models import Contract

        contract = Contract.objects.get(code="yuangang-2023")
        _, station = self.codes("yuangang-2023", Quarter(2023, 3))
        used = set(Target.objects.filter(contract=contract).values_list("indicator__code", flat=True))
        self.assertEqual(set(station), used | set(
            contract.actuals.values_list("indicator__code", flat=True)
        ))
        self.assertLess(len(station), IndicatorDefinition.objects.filter(active=True).count())

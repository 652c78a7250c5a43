"""What is signed never moves (issue 9 §1): every write path × every lock state.

The data of 西村 2025 Q1 is written through each path (portal grid and forms, both Excel imports, the admin's forms,
inlines, deletes and bulk deletes, and the services any command or API calls) in three states:
- open: nothing locks Q1 → the write goes through;
- submitted: the street office submitted Q1 → refused with "2025年第一季度已提交，不能修改…", nothing changed;
- finalised: Q1 was returned by the bureau, but the mid-term evaluation whose 考核期 (2024-12-11 … 2025-04-30)
  covers it is finalised → refused with the evaluation's message, nothing changed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.test import TestCase
from django.urls import reverse

from evalportal.edits import EntryError
from evalportal.locks import DataLocked
from evalportal.periods import Quarter
from indicators.changes import CellChange
from indicators.models import MonthlyActual, Target
from indicators.services import actuals_save, quarter_return, quarter_submit, target_set
from reports.models import Evaluation
from stations.changes import StaffMonthChange
from stations.imports import import_batch_store
from stations.models import ActivityEntry, ImportBatch, StaffMember, StaffMonth, StaffTransfer
from stations.services import (
    activity_delete,
    activity_save,
    staff_months_save,
    staff_save,
    staff_transfer,
)
from tests.indicators.factories import build_world

Q1 = Quarter(2025, 1)
JAN, FEB = date(2025, 1, 1), date(2025, 2, 1)
SUBMITTED = "2025年第一季度已提交，不能修改；如需修改，请联系区民政局退回。"
FINALISED = (
    "该数据属于已定稿的评估“广州市西村街社工服务站 中期评估”（xc-2024-mid，考核期 2024年12月11日至2025年4月30日），"
    "不能修改；如需修改，请联系区民政局重新开启该评估。"
)
STATES = ("open", "submitted", "finalised")


def snapshot() -> tuple:
    """Every row a lock protects, as stored."""
    return (
        list(MonthlyActual.objects.order_by("pk").values_list()),
        list(StaffMonth.objects.order_by("pk").values_list()),
        list(StaffMember.objects.order_by("pk").values_list()),
        list(StaffTransfer.objects.order_by("pk").values_list()),
        list(ActivityEntry.objects.order_by("pk").values_list()),
        list(Target.objects.order_by("pk").values_list()),
    )


def _call(fn) -> str:
    """A service call's outcome as text: the refusal's message, or "" when it went through."""
    try:
        fn()
    except (DataLocked, EntryError) as exc:
        return str(exc)
    return ""


class WritePathLockTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)
        cls.area = cls.w.areas[0]
        cls.street, cls.admin = cls.w.users["street_xc"], cls.w.users["admin"]
        cls.visit = cls.w.indicators["home_visit"]
        cls.actual = MonthlyActual.objects.create(contract=cls.w.contract, service_area=cls.area, indicator=cls.visit,
                                                  month=JAN, value=Decimal(90))
        cls.staff = StaffMember.objects.create(
            contract=cls.w.contract, order=1, name="张测试", position="area_lead", certificate="intermediate",
            service_area=cls.area, two_years_practice=True, joined_on=date(2024, 12, 11),
        )
        cls.jan = StaffMonth.objects.create(staff=cls.staff, month=JAN, on_post=Decimal(1), service_area=cls.area)
        cls.feb = StaffMonth.objects.create(staff=cls.staff, month=FEB, on_post=Decimal(1), service_area=cls.area)
        cls.inside = ActivityEntry.objects.create(contract=cls.w.contract, date=date(2025, 1, 15), name="春节探访",
                                                  participants=30)
        cls.later = ActivityEntry.objects.create(contract=cls.w.contract, date=date(2025, 6, 10), name="端午活动",
                                                 participants=40)
        cls.target = Target.objects.get(contract=cls.w.contract, service_area=cls.area, indicator=cls.visit)

    # --- lock states ----------------------------------------------------------------------------------------------

    def lock(self, state: str) -> None:
        if state == "submitted":
            quarter_submit(contract=self.w.contract, quarter=Q1, user=self.street)
        elif state == "finalised":
            # the bureau returned Q1, but the finalised evaluation still holds its months
            quarter_submit(contract=self.w.contract, quarter=Q1, user=self.street)
            quarter_return(contract=self.w.contract, quarter=Q1, user=self.w.users["bureau_lw"], reason="核对")
            Evaluation.objects.filter(pk=self.w.evaluation.pk).update(
                status="finalised", total_score=Decimal("89.08"), grade="good"
            )

    # --- the write paths: each returns the page or the refusal as text --------------------------------------------

    def portal(self, user=None):
        self.client.force_login(user or self.street)
        return self.client

    def text(self, response) -> str:
        return response.content.decode()

    def grid_actual(self):
        name = f"c-{self.area.pk}-{self.visit.pk}-202501"
        return self.text(self.portal().post(
            reverse("quarter_entry", args=[self.w.contract.code, Q1.slug]),
            {name: "99", f"o-{name}": "90", f"v-{name}": "1", "action": "save"}, follow=True,
        ))

    def excel_actuals(self):
        batch = import_batch_store(user=self.street, contract=self.w.contract, kind=ImportBatch.Kind.ACTUALS,
                                   quarter=Q1, payload={"changes": [{
                                       "area_id": self.area.pk, "indicator_id": self.visit.pk, "month": "2025-01-01",
                                       "value": "99", "old": "90", "new": "99", "label": "片区1 · 入户探访", "version": 1,
                                   }], "unchanged": 0, "rows": 1})
        return self.text(self.portal().post(
            reverse("import_preview", args=[self.w.contract.code, batch.token]), follow=True
        ))

    def staff_grid(self):
        key = f"{self.staff.pk}-202501"
        return self.text(self.portal().post(
            reverse("staff_months", args=[self.w.contract.code, Q1.slug]),
            {f"p-{key}": "0.5", f"v-{key}": "1", f"o-{key}": "1|0|0"}, follow=True,
        ))

    def excel_staff(self):
        batch = import_batch_store(user=self.street, contract=self.w.contract, kind=ImportBatch.Kind.STAFF, payload={
            "changes": [{"staff_id": self.staff.pk, "month": "2025-01-01", "on_post": "0.5", "social_insurance": False,
                         "salary_paid": False, "version": 1}], "unchanged": 0, "rows": 1,
        })
        return self.text(self.portal().post(
            reverse("staff_import", args=[self.w.contract.code]), {"token": batch.token}, follow=True
        ))

    def _staff_form(self, **changes):
        data = {"order": "1", "name": "张测试", "position": "area_lead", "certificate": "intermediate",
                "two_years_practice": "on", "joined_on": "2024-12-11", "left_on": ""}
        data.update(changes)
        return data

    def staff_leaves(self):
        return self.text(self.portal().post(
            reverse("staff_edit", args=[self.w.contract.code, self.staff.pk]), self._staff_form(left_on="2025-02-15"),
            follow=True,
        ))

    def staff_certificate(self):
        return self.text(self.portal().post(
            reverse("staff_edit", args=[self.w.contract.code, self.staff.pk]), self._staff_form(certificate="none"),
            follow=True,
        ))

    def staff_joins(self):
        return self.text(self.portal().post(
            reverse("staff_create", args=[self.w.contract.code]),
            {"order": "2", "name": "王测试", "position": "area_worker", "certificate": "none", "joined_on": "2025-02-01",
             "service_area": self.area.pk}, follow=True,
        ))

    def staff_transfer_form(self):
        return self.text(self.portal().post(
            reverse("staff_transfer", args=[self.w.contract.code, self.staff.pk]),
            {"to_area": "none", "date": "2025-02-01", "reason": "调往全站"}, follow=True,
        ))

    def activity_create(self):
        return self.text(self.portal().post(
            reverse("activity_create", args=[self.w.contract.code]),
            {"date": "2025-02-10", "name": "元宵活动", "participants": "25"}, follow=True,
        ))

    def activity_edit(self):
        return self.text(self.portal().post(
            reverse("activity_edit", args=[self.w.contract.code, self.inside.pk]),
            {"date": "2025-01-15", "name": "春节探访", "participants": "35"}, follow=True,
        ))

    def activity_moved_in(self):
        return self.text(self.portal().post(
            reverse("activity_edit", args=[self.w.contract.code, self.later.pk]),
            {"date": "2025-02-10", "name": "端午活动", "participants": "40"}, follow=True,
        ))

    def activity_delete_form(self):
        return self.text(self.portal().post(
            reverse("activity_delete", args=[self.w.contract.code, self.inside.pk]), {"reason": "重复"}, follow=True,
        ))

    # admin

    def admin_url(self, obj, view="change"):
        return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_{view}",
                       args=[obj.pk] if view != "changelist" else [])

    def admin_actual(self):
        return self.text(self.portal(self.admin).post(self.admin_url(self.actual), {
            "contract": self.w.contract.pk, "service_area": self.area.pk, "indicator": self.visit.pk,
            "month": "2025-01-01", "value": "99",
        }, follow=True))

    def admin_staff_month(self):
        return self.text(self.portal(self.admin).post(self.admin_url(self.jan), {
            "staff": self.staff.pk, "month": "2025-01-01", "on_post": "0.5", "service_area": self.area.pk,
        }, follow=True))

    def _staff_admin_data(self, **changes):
        data = {
            "contract": self.w.contract.pk, "order": "1", "name": "张测试", "position": "area_lead",
            "position_title": "", "certificate": "intermediate", "service_area": self.area.pk, "employment_start": "",
            "contract_term": "", "two_years_practice": "on", "joined_on": "2024-12-11", "left_on": "", "note": "",
            "months-TOTAL_FORMS": "2", "months-INITIAL_FORMS": "2", "months-MIN_NUM_FORMS": "0",
            "months-MAX_NUM_FORMS": "1000",
        }
        for i, month in enumerate((self.jan, self.feb)):
            data.update({
                f"months-{i}-id": month.pk, f"months-{i}-staff": self.staff.pk,
                f"months-{i}-month": month.month.isoformat(), f"months-{i}-on_post": "1",
                f"months-{i}-service_area": self.area.pk,
            })
        data.update(changes)
        return data

    def admin_staff_leaves(self):
        return self.text(self.portal(self.admin).post(
            self.admin_url(self.staff), self._staff_admin_data(left_on="2025-02-15"), follow=True
        ))

    def admin_staff_inline_month(self):
        return self.text(self.portal(self.admin).post(
            self.admin_url(self.staff), self._staff_admin_data(**{"months-1-on_post": "0"}), follow=True
        ))

    def admin_staff_inline_delete(self):
        return self.text(self.portal(self.admin).post(
            self.admin_url(self.staff), self._staff_admin_data(**{"months-1-DELETE": "on"}), follow=True
        ))

    def admin_activity(self):
        return self.text(self.portal(self.admin).post(self.admin_url(self.inside), {
            "contract": self.w.contract.pk, "date": "2025-01-15", "name": "春节探访", "participants": "35",
        }, follow=True))

    def admin_activity_delete(self):
        return self.text(self.portal(self.admin).post(self.admin_url(self.inside, "delete"), {"post": "yes"},
                                                      follow=True))

    def admin_activity_bulk_delete(self):
        return self.text(self.portal(self.admin).post(self.admin_url(self.inside, "changelist"), {
            "action": "delete_selected", "_selected_action": [self.inside.pk], "post": "yes",
        }, follow=True))

    def admin_target(self):
        return self.text(self.portal(self.admin).post(self.admin_url(self.target), {
            "contract": self.w.contract.pk, "service_area": self.area.pk, "indicator": self.visit.pk, "value": "800",
        }, follow=True))

    # services (commands and any future API call these)

    def service_actuals(self):
        return _call(lambda: actuals_save(contract=self.w.contract, quarter=Q1, user=self.admin, source="命令",
                                          changes=[CellChange(self.area.pk, self.visit.pk, FEB, Decimal(7), 0)]))

    def service_staff_months(self):
        return _call(lambda: staff_months_save(contract=self.w.contract, quarter=Q1, user=self.admin, changes=[
            StaffMonthChange(self.staff.pk, FEB, Decimal("0.5"), False, False, 1)]))

    def service_staff(self):
        return _call(lambda: staff_save(contract=self.w.contract, user=self.admin, staff=self.staff,
                                        data={"left_on": date(2025, 3, 31)}))

    def service_transfer(self):
        return _call(lambda: staff_transfer(staff=self.staff, to_area=None, on=date(2025, 3, 1), user=self.admin))

    def service_activity(self):
        return _call(lambda: activity_save(contract=self.w.contract, user=self.admin, activity=self.later,
                                           data={"date": date(2025, 3, 1)}))

    def service_activity_delete(self):
        return _call(lambda: activity_delete(activity=self.inside, user=self.admin))

    def service_target(self):
        return _call(lambda: target_set(contract=self.w.contract, service_area=self.area, indicator=self.visit,
                                        value=Decimal(900), user=self.admin, expected_version=1))

    PATHS = [
        "grid_actual", "excel_actuals", "staff_grid", "excel_staff", "staff_leaves", "staff_certificate",
        "staff_joins", "staff_transfer_form", "activity_create", "activity_edit", "activity_moved_in",
        "activity_delete_form", "admin_actual", "admin_staff_month", "admin_staff_leaves", "admin_staff_inline_month",
        "admin_staff_inline_delete", "admin_activity", "admin_activity_delete", "admin_activity_bulk_delete",
        "admin_target", "service_actuals", "service_staff_months", "service_staff", "service_transfer",
        "service_activity", "service_activity_delete", "service_target",
    ]
    # targets (协议量) feed every period of the contract: only a finalised evaluation locks them
    LOCKED_IN = {"admin_target": {"finalised"}, "service_target": {"finalised"}}

    def test_every_write_path_in_every_lock_state(self):
        for state in STATES:
            for path in self.PATHS:
                with self.subTest(state=state, path=path):
                    savepoint = transaction.savepoint()
                    try:
                        self.lock(state)
                        before = snapshot()
                        text = getattr(self, path)()
                        after = snapshot()
                        locked = state in self.LOCKED_IN.get(path, {"submitted", "finalised"})
                        if locked:
                            self.assertIn(SUBMITTED if state == "submitted" else FINALISED, text)
                            self.assertEqual(after, before, "被拒绝的写入不能改变任何数据")
                        else:
                            self.assertNotIn("不能修改", text)
                            self.assertNotEqual(after, before, "未锁定时写入应当生效")
                    finally:
                        transaction.savepoint_rollback(savepoint)

    def test_locked_months_are_read_only_on_both_grids_with_the_reason(self):
        self.lock("finalised")
        client = self.portal()
        grid = client.get(reverse("quarter_entry", args=[self.w.contract.code, Q1.slug]))
        self.assertContains(grid, FINALISED)
        self.assertNotContains(grid, f'name="c-{self.area.pk}-{self.visit.pk}-202501"')
        months = client.get(reverse("staff_months", args=[self.w.contract.code, Q1.slug]))
        self.assertContains(months, FINALISED)
        self.assertNotContains(months, f'name="p-{self.staff.pk}-202501"')
        self.assertNotContains(months, "保存到岗情况")
        # Q2 lies outside the 考核期 (ends 2025-04-30) only from May: April stays locked, May and June are open
        q2 = client.get(reverse("staff_months", args=[self.w.contract.code, "2025-Q2"]))
        self.assertContains(q2, "保存到岗情况")

    def test_a_reopened_evaluation_unlocks_its_period(self):
        self.lock("finalised")
        self.assertIn(FINALISED, self.service_activity())
        Evaluation.objects.filter(pk=self.w.evaluation.pk).update(status="draft", total_score=None, grade="")
        self.assertEqual(self.service_activity(), "")
        self.assertEqual(ActivityEntry.objects.get(pk=self.later.pk).date, date(2025, 3, 1))

    def test_a_leaving_date_after_the_locked_quarter_is_accepted(self):
        """Locks follow dates: someone leaving in open Q2 is recorded although Q1 (which they worked) is submitted."""
        self.lock("submitted")
        text = self.text(self.portal().post(
            reverse("staff_edit", args=[self.w.contract.code, self.staff.pk]), self._staff_form(left_on="2025-05-31"),
            follow=True,
        ))
        self.assertNotIn("不能修改", text)
        self.assertEqual(StaffMember.objects.get(pk=self.staff.pk).left_on, date(2025, 5, 31))

    def test_activity_delete_page_shows_the_lock_instead_of_the_button(self):
        self.lock("submitted")
        page = self.portal().get(reverse("activity_delete", args=[self.w.contract.code, self.inside.pk]))
        self.assertContains(page, SUBMITTED)
        self.assertNotContains(page, "确认删除")


class DemoReproTests(TestCase):
    """The issue's repro on the demo data: as street_xicun, 2025 Q1 of xicun-2024 is submitted and inside the
    finalised xicun-2024-mid; the staff-month grid, an activity dated in Q1 and a leaving date in Q1 are refused."""

    @classmethod
    def setUpTestData(cls):
        from demo.loader import demo_load

        demo_load()

    def test_repro(self):
        from stations.models import User

        self.client.force_login(User.objects.get(username="street_xicun"))
        staff = StaffMember.objects.filter(contract__code="xicun-2024", months__month=JAN).distinct().first()
        record = StaffMonth.objects.get(staff=staff, month=JAN)
        before = snapshot()
        key = f"{staff.pk}-202501"
        original = f"{record.on_post.normalize():f}|{int(record.social_insurance)}|{int(record.salary_paid)}"
        grid = self.client.post(reverse("staff_months", args=["xicun-2024", "2025-Q1"]), {
            f"p-{key}": "0.5" if record.on_post == 1 else "1", f"v-{key}": str(record.version), f"o-{key}": original,
        })
        self.assertContains(grid, SUBMITTED, status_code=400)
        activity = self.client.post(reverse("activity_create", args=["xicun-2024"]),
                                    {"date": "2025-03-03", "name": "补录活动", "participants": "12"})
        self.assertContains(activity, SUBMITTED)
        leaving = self.client.post(reverse("staff_edit", args=["xicun-2024", staff.pk]), {
            "order": staff.order, "name": staff.name, "position": staff.position, "certificate": staff.certificate,
            "two_years_practice": "on" if staff.two_years_practice else "",
            "joined_on": staff.joined_on.isoformat() if staff.joined_on else "", "left_on": "2025-03-15",
        })
        self.assertContains(leaving, SUBMITTED)
        self.assertEqual(snapshot(), before)


class CascadeDeleteLockTests(TestCase):
    """Deleting a 片区 or a contract in the admin would delete dated data with it: refused while it is locked."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)
        cls.area = cls.w.areas[0]
        MonthlyActual.objects.create(contract=cls.w.contract, service_area=cls.area,
                                     indicator=cls.w.indicators["home_visit"], month=JAN, value=Decimal(90))
        quarter_submit(contract=cls.w.contract, quarter=Q1, user=cls.w.users["street_xc"])

    def test_area_and_contract_deletes_are_refused(self):
        self.client.force_login(self.w.users["admin"])
        for obj in (self.area, self.w.contract):
            with self.subTest(model=type(obj).__name__):
                url = reverse(f"admin:stations_{obj._meta.model_name}_delete", args=[obj.pk])
                response = self.client.post(url, {"post": "yes"}, follow=True)
                self.assertContains(response, SUBMITTED)
                self.assertTrue(type(obj).objects.filter(pk=obj.pk).exists())
        self.assertEqual(MonthlyActual.objects.count(), 1)

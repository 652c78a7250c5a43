"""Approval of submitted quarters (issue 10 §4): one at a time, in bulk with confirmation, locked afterwards."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.test import TestCase
from django.urls import reverse

from evalportal.edits import EntryError
from evalportal.periods import Quarter
from indicators.approval import quarter_approve, quarters_approve, quarters_return
from indicators.changes import CellChange
from indicators.entry import entry_grid
from indicators.models import MonthlyActual
from indicators.services import QuarterLocked, actuals_save, quarter_return, quarter_submit
from oversight.todo import todo_for
from stations.models import AuditEntry, QuarterSubmission
from tests.indicators.factories import build_world

Q1, Q2 = Quarter(2025, 1), Quarter(2025, 2)
JAN = date(2025, 1, 1)


class ApprovalServiceTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def setUp(self):
        self.street = self.w.users["street_xc"]
        self.bureau = self.w.users["bureau_lw"]
        self.area = self.w.areas[0]
        self.visit = self.w.indicators["home_visit"]

    def submit(self, contract=None, quarter=Q1, user=None):
        return quarter_submit(contract=contract or self.w.contract, quarter=quarter, user=user or self.street)

    def change(self, value):
        return CellChange(area_id=self.area.pk, indicator_id=self.visit.pk, month=JAN, value=Decimal(value),
                          expected_version=0)

    def test_approve_locks_the_quarter_on_every_write_path_and_audits(self):
        actuals_save(contract=self.w.contract, quarter=Q1, changes=[self.change(10)], user=self.street)
        self.submit()
        submission = quarter_approve(contract=self.w.contract, quarter=Q1, user=self.bureau)
        self.assertEqual((submission.status, submission.approved_by), ("approved", self.bureau))
        with self.assertRaisesMessage(QuarterLocked, "2025年第一季度已审核通过，不能修改。"):
            actuals_save(contract=self.w.contract, quarter=Q1, changes=[self.change(11)], user=self.street)
        with self.assertRaisesMessage(QuarterLocked, "2025年第一季度已审核通过，无需重复提交。"):
            self.submit()
        with self.assertRaisesMessage(EntryError, "2025年第一季度已审核通过，不能退回。"):
            quarter_return(contract=self.w.contract, quarter=Q1, user=self.bureau, reason="再看看")
        with self.assertRaisesMessage(EntryError, "2025年第一季度已审核通过，无需重复审核。"):
            quarter_approve(contract=self.w.contract, quarter=Q1, user=self.bureau)
        self.assertEqual(MonthlyActual.objects.get().value, Decimal(10))
        grid = entry_grid(contract=self.w.contract, quarter=Q1, user=self.street)
        self.assertEqual(grid.lock_reason, "已审核通过")
        self.assertEqual(grid.editable_cells(), [])
        self.assertEqual(
            list(AuditEntry.objects.filter(subject="submission").order_by("at", "id").values_list(
                "action", "old_value", "new_value")),
            [("submit", "填报中", "已提交"), ("approve", "已提交", "审核通过")],
        )

    def test_only_submitted_quarters_of_the_own_district_are_approved(self):
        with self.assertRaisesMessage(EntryError, "2025年第一季度尚未提交，不能审核。"):
            quarter_approve(contract=self.w.contract, quarter=Q1, user=self.bureau)
        self.submit()
        for user in ("bureau_by", "street_xc", "supervision", "evaluator"):
            with self.subTest(user=user), self.assertRaises(PermissionDenied):
                quarter_approve(contract=self.w.contract, quarter=Q1, user=self.w.users[user])
        quarter_approve(contract=self.w.contract, quarter=Q1, user=self.w.users["admin"])

    def test_stale_version_is_refused(self):
        submission = self.submit()
        with self.assertRaisesMessage(EntryError, "数据在您打开本页后已有变动"):
            quarter_approve(contract=self.w.contract, quarter=Q1, user=self.bureau,
                            expected_version=submission.version - 1)
        self.assertEqual(QuarterSubmission.objects.get().status, "submitted")

    def test_bulk_approve_skips_changed_and_unsubmitted_and_refuses_foreign(self):
        a = self.submit()
        b = self.submit(contract=self.w.same_district, user=self.w.users["street_fy"])
        c = self.submit(quarter=Q2)
        quarter_return(contract=self.w.contract, quarter=Q2, user=self.bureau, reason="补充说明")
        foreign = self.submit(contract=self.w.other_district, user=self.w.users["street_jt"])
        with self.assertRaises(PermissionDenied):
            quarters_approve(user=self.bureau, seen={a.pk: a.version, foreign.pk: foreign.version})
        self.assertEqual(QuarterSubmission.objects.filter(status="approved").count(), 0)

        result = quarters_approve(user=self.bureau, seen={a.pk: a.version, b.pk: b.version - 1, c.pk: c.version})
        self.assertEqual([s.pk for s in result.done], [a.pk])
        self.assertEqual([(s.pk, why) for s, why in result.skipped], [  # in contract code order: fe-, xi-
            (b.pk, "在您打开列表后已有变动，请核对后再审核。"),
            (c.pk, "2025年第二季度已退回，待街道办重新提交后再审核。"),
        ])

    def test_bulk_return_needs_a_reason_and_records_it(self):
        a = self.submit()
        with self.assertRaisesMessage(EntryError, "请填写退回原因。"):
            quarters_return(user=self.bureau, seen={a.pk: None}, reason=" ")
        result = quarters_return(user=self.bureau, seen={a.pk: None}, reason="台账不符")
        self.assertEqual(len(result.done), 1)
        self.assertEqual(QuarterSubmission.objects.get().return_reason, "台账不符")

    def test_approved_quarter_leaves_the_home_lists(self):
        self.submit()
        today = date(2025, 4, 20)  # after the Q1 deadline
        review = next(s for s in todo_for(self.bureau, today).sections if s.key == "review")
        self.assertEqual([i.title for i in review.items], ["广州市西村街社工服务站 · 2025年第一季度"])
        quarter_approve(contract=self.w.contract, quarter=Q1, user=self.bureau)
        for user in (self.bureau, self.street):
            for section in todo_for(user, today).sections:
                with self.subTest(user=user.username, section=section.key):
                    self.assertNotIn("广州市西村街社工服务站 · 2025年第一季度", [i.title for i in section.items])


class ApprovalViewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def submit(self, contract, user, quarter=Q1):
        return quarter_submit(contract=contract, quarter=quarter, user=self.w.users[user])

    def test_single_approve_from_the_entry_page(self):
        submission = self.submit(self.w.contract, "street_xc")
        self.client.force_login(self.w.users["bureau_lw"])
        page = self.client.get(reverse("quarter_entry", args=[self.w.contract.code, Q1.slug]))
        self.assertContains(page, "审核本季度数据")
        response = self.client.post(reverse("quarter_approve", args=[self.w.contract.code, Q1.slug]),
                                    {"quarter_version": submission.version}, follow=True)
        self.assertContains(response, "2025年第一季度数据已审核通过，将保持只读。")
        self.assertContains(response, "表格只读（已审核通过）")
        self.assertNotContains(response, "审核本季度数据")
        self.assertEqual(QuarterSubmission.objects.get().status, "approved")

    def test_street_office_cannot_approve_and_sees_approved_read_only(self):
        self.submit(self.w.contract, "street_xc")
        self.client.force_login(self.w.users["street_xc"])
        response = self.client.post(reverse("quarter_approve", args=[self.w.contract.code, Q1.slug]), follow=True)
        self.assertEqual(response.status_code, 403)
        self.client.force_login(self.w.users["bureau_by"])
        response = self.client.post(reverse("quarter_approve", args=[self.w.contract.code, Q1.slug]))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(QuarterSubmission.objects.get().status, "submitted")

    def test_bulk_approve_asks_for_confirmation_then_approves(self):
        a = self.submit(self.w.contract, "street_xc")
        b = self.submit(self.w.same_district, "street_fy")
        self.client.force_login(self.w.users["bureau_lw"])
        listing = self.client.get(reverse("submission_list"), {"year": "2025"})
        self.assertContains(listing, f'value="{a.pk}:{a.version}"')
        self.assertContains(listing, f'value="{b.pk}:{b.version}"')
        data = {"action": "approve", "sub": [f"{a.pk}:{a.version}", f"{b.pk}:{b.version}"],
                "next": reverse("submission_list") + "?year=2025"}
        confirm = self.client.post(reverse("submission_bulk"), data)
        self.assertContains(confirm, "确认审核通过以下 2 个季度")
        self.assertEqual(QuarterSubmission.objects.filter(status="approved").count(), 0)
        done = self.client.post(reverse("submission_bulk"), {**data, "confirmed": "1"})
        self.assertRedirects(done, reverse("submission_list") + "?year=2025", fetch_redirect_response=False)
        self.assertEqual(QuarterSubmission.objects.filter(status="approved").count(), 2)
        page = self.client.get(done["Location"])
        self.assertContains(page, "已审核通过 2 个季度。")
        self.assertContains(page, "没有符合条件的季度填报。")  # the default filter shows what is left to review

    def test_bulk_return_without_reason_asks_again(self):
        a = self.submit(self.w.contract, "street_xc")
        self.client.force_login(self.w.users["bureau_lw"])
        response = self.client.post(reverse("submission_bulk"), {"action": "return", "sub": [str(a.pk)],
                                                                 "confirmed": "1", "reason": ""})
        self.assertContains(response, "请填写退回原因。")
        self.assertEqual(QuarterSubmission.objects.get().status, "submitted")
        response = self.client.post(reverse("submission_bulk"), {"action": "return", "sub": [str(a.pk)],
                                                                 "confirmed": "1", "reason": "台账不符"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(QuarterSubmission.objects.get().status, "returned")

    def test_bulk_denials(self):
        foreign = self.submit(self.w.other_district, "street_jt")
        self.client.force_login(self.w.users["bureau_lw"])
        data = {"action": "approve", "sub": [str(foreign.pk)], "confirmed": "1"}
        self.assertEqual(self.client.post(reverse("submission_bulk"), data).status_code, 404)
        for user in ("street_jt", "supervision", "evaluator"):
            self.client.force_login(self.w.users[user])
            self.assertEqual(self.client.post(reverse("submission_bulk"), data).status_code, 403)
        self.assertEqual(QuarterSubmission.objects.get().status, "submitted")
        self.client.logout()
        self.assertEqual(self.client.post(reverse("submission_bulk"), data).status_code, 302)
        self.assertEqual(QuarterSubmission.objects.get().status, "submitted")

"""A published 绩效评价 stays as published (issue 9 §1, §2): its report was archived with the data it was made from, so
the admin's forms, inlines and deletes refuse to change its figures and texts until the bureau withdraws the
publication with a reason; after that each correction is recorded old → new (§3)."""

from __future__ import annotations

from decimal import Decimal

from django.test import TestCase
from django.urls import reverse

from demo.loader import demo_load
from reports.models import ExpenseLine, PerformanceEvaluation, PerformanceIndicator
from stations.models import AuditEntry, User
from tests.evalportal.test_audit import admin_form_data

PUBLISHED = "绩效评价“{title}”（xicun-2022）已发布，不能修改；如需修改，请由区民政局填写原因撤回发布。"


class PublishedPerformanceLockTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()
        cls.admin = User.objects.get(username="admin")
        cls.pe = PerformanceEvaluation.objects.get(code="xicun-2022")
        # seed 000 judges its indicators against targets; the demo holds its expense lines (表1)
        cls.indicator = PerformanceIndicator.objects.create(
            evaluation=cls.pe, level=1, order=1, name="人员费用及服务保障费用支出占比", target_text="≥85%",
            actual_text="86%", judgement="met",
        )
        cls.expense = ExpenseLine.objects.filter(evaluation=cls.pe).order_by("pk").first()
        cls.message = PUBLISHED.format(title=cls.pe.title)

    def setUp(self):
        self.client.force_login(self.admin)

    def publish(self):
        PerformanceEvaluation.objects.filter(pk=self.pe.pk).update(status="published")

    def change(self, obj, **changes):
        url = reverse(f"admin:reports_{obj._meta.model_name}_change", args=[obj.pk])
        return self.client.post(url, admin_form_data(self.client.get(url), **changes), follow=True)

    def rows(self):
        return (list(PerformanceEvaluation.objects.filter(pk=self.pe.pk).values_list()),
                list(PerformanceIndicator.objects.filter(evaluation=self.pe).order_by("pk").values_list()),
                list(ExpenseLine.objects.filter(evaluation=self.pe).order_by("pk").values_list()))

    def test_every_admin_path_refuses_a_published_evaluation_and_nothing_changes(self):
        self.publish()
        before = self.rows()
        paths = {
            "indicator": lambda: self.change(self.indicator, reason="改过的评分依据"),
            "expense": lambda: self.change(self.expense, amount="1.00"),
            "evaluation": lambda: self.change(self.pe, conclusion="改过的结论"),
            "inline": lambda: self.change(self.pe, **{"expenses-0-amount": "2.00"}),
            "delete": lambda: self.client.post(
                reverse("admin:reports_expenseline_delete", args=[self.expense.pk]), {"post": "yes"}, follow=True),
            "bulk delete": lambda: self.client.post(reverse("admin:reports_performanceindicator_changelist"), {
                "action": "delete_selected", "_selected_action": [self.indicator.pk], "post": "yes"}, follow=True),
        }
        for name, path in paths.items():
            with self.subTest(path=name):
                self.assertContains(path(), self.message)
                self.assertEqual(self.rows(), before)
        self.assertFalse(AuditEntry.objects.filter(model__startswith="reports.").exists())

    def test_a_draft_evaluation_is_corrected_with_old_and_new_recorded(self):
        old_amount = self.expense.amount
        response = self.change(self.expense, amount="1234.50")
        self.assertNotContains(response, "不能修改")
        self.assertEqual(ExpenseLine.objects.get(pk=self.expense.pk).amount, Decimal("1234.50"))
        entry = AuditEntry.objects.get(model="reports.expenseline", object_id=self.expense.pk)
        self.assertEqual((entry.user, entry.action, entry.field, entry.old_value, entry.new_value, entry.source),
                         (self.admin, "update", "实际使用金额（元）", f"{old_amount:f}", "1234.50", "后台"))

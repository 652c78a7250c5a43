"""Home page per role (issue 3 §2): quarters due with deadlines, returned quarters with reasons, latest results."""

from datetime import date
from unittest import mock

from django.test import TestCase
from django.urls import reverse

from evalportal.periods import Quarter, contract_quarters
from indicators.services import quarter_return, quarter_submit
from tests.indicators.factories import build_world


class QuarterRuleTests(TestCase):
    def test_quarters_of_a_contract_and_deadlines(self):
        quarters = contract_quarters(date(2024, 12, 11), date(2025, 12, 10))
        self.assertEqual([q.slug for q in quarters], ["2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"])
        self.assertEqual(Quarter(2025, 1).deadline, date(2025, 4, 15))
        self.assertEqual(Quarter(2024, 4).deadline, date(2025, 1, 15))
        self.assertEqual(Quarter(2025, 1).label, "2025年第一季度")


@mock.patch("evalportal.views.timezone.localdate", return_value=date(2025, 4, 20))
class HomeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)
        q4, q1 = Quarter(2024, 4), Quarter(2025, 1)
        quarter_submit(contract=cls.w.contract, quarter=q4, user=cls.w.users["street_xc"])
        quarter_submit(contract=cls.w.contract, quarter=q1, user=cls.w.users["street_xc"])
        quarter_return(contract=cls.w.contract, quarter=q1, user=cls.w.users["bureau_lw"], reason="三月电访数据缺失")

    def test_street_office_sees_due_returned_and_results(self, _today):
        self.client.force_login(self.w.users["street_xc"])
        response = self.client.get(reverse("home"))
        due = [(s.contract.code, s.quarter.slug, s.deadline, s.overdue) for s in response.context["summary"].due]
        # Q1 returned (deadline 04-15 passed), Q2 started 04-01 (due 07-15); Q4 2024 submitted
        self.assertEqual(due, [("xi-2024", "2025-Q1", date(2025, 4, 15), True), ("xi-2024", "2025-Q2", date(2025, 7, 15), False)])
        self.assertContains(response, "已退回，需修改后重新提交（1）")
        self.assertContains(response, "<strong>退回原因：</strong>三月电访数据缺失", html=False)
        self.assertContains(response, "已逾期 5 天")
        self.assertContains(response, "89.08")
        self.assertContains(response, "良好")
        self.assertNotContains(response, "广州市景泰街社工服务站")

    def test_bureau_sees_its_district_and_what_awaits_review(self, _today):
        self.client.force_login(self.w.users["bureau_lw"])
        response = self.client.get(reverse("home"))
        summary = response.context["summary"]
        self.assertEqual([(s.contract.code, s.quarter.slug) for s in summary.awaiting_review], [("xi-2024", "2024-Q4")])
        self.assertEqual({s.contract.code for s in summary.due}, {"xi-2024", "fe-2024"})
        self.assertContains(response, "已提交，可审核或退回（1）")

    def test_other_district_bureau_sees_nothing_of_liwan(self, _today):
        self.client.force_login(self.w.users["bureau_by"])
        response = self.client.get(reverse("home"))
        self.assertEqual({s.contract.code for s in response.context["summary"].due}, {"ji-2024"})
        self.assertEqual(response.context["results"], [])

    def test_navigation_per_role(self, _today):
        self.client.force_login(self.w.users["street_xc"])
        labels = [i["label"] for i in self.client.get(reverse("home")).context["nav_items"]]
        self.assertEqual(labels, ["首页", "数据填报", "评估", "满意度调查", "报告下载"])
        self.client.force_login(self.w.users["admin"])
        labels = [i["label"] for i in self.client.get(reverse("home")).context["nav_items"]]
        self.assertEqual(labels, ["首页", "服务协议", "评估", "满意度调查", "报告下载", "管理后台", "后台任务"])

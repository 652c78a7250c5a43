"""Home page per role (issues 3 §2 and 10 §5): a to-do list of what is due now or overdue, and the latest results."""

from datetime import date
from decimal import Decimal
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


def section(response, key):
    return next(s for s in response.context["todo"].sections if s.key == key)


def keys(response):
    return [s.key for s in response.context["todo"].sections]


@mock.patch("oversight.views.timezone.localdate", return_value=date(2025, 4, 20))
class HomeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)
        q4, q1 = Quarter(2024, 4), Quarter(2025, 1)
        quarter_submit(contract=cls.w.contract, quarter=q4, user=cls.w.users["street_xc"])
        quarter_submit(contract=cls.w.contract, quarter=q1, user=cls.w.users["street_xc"])
        quarter_return(contract=cls.w.contract, quarter=q1, user=cls.w.users["bureau_lw"], reason="三月电访数据缺失")
        cls.w.evaluation.status, cls.w.evaluation.total_score, cls.w.evaluation.grade = "finalised", Decimal("89.08"), "good"
        cls.w.evaluation.save()

    def test_street_office_sees_due_returned_and_results(self, _today):
        self.client.force_login(self.w.users["street_xc"])
        response = self.client.get(reverse("home"))
        self.assertEqual(keys(response), ["returned", "due", "party_score"])
        returned = section(response, "returned")
        self.assertEqual(
            [(i.title, i.url, i.detail, i.due, i.overdue, i.badge, i.when) for i in returned.items],
            [("广州市西村街社工服务站 · 2025年第一季度",
              reverse("quarter_entry", args=[self.w.contract.code, "2025-Q1"]),
              "退回原因：三月电访数据缺失", date(2025, 4, 15), True, "已退回", "已逾期 5 天")])
        # Q2 started 04-01 (due 07-15); Q4 2024 submitted; Q1 is in the returned section
        self.assertEqual([(i.title, i.due, i.overdue) for i in section(response, "due").items],
                         [("广州市西村街社工服务站 · 2025年第二季度", date(2025, 7, 15), False)])
        self.assertContains(response, "已退回，需修改后重新提交（1）")
        self.assertContains(response, "退回原因：三月电访数据缺失")
        self.assertContains(response, "已逾期 5 天")
        self.assertContains(response, "89.08")
        self.assertContains(response, "良好")
        self.assertNotContains(response, "广州市景泰街社工服务站")

    def test_bureau_sees_its_district_and_what_awaits_review(self, _today):
        self.client.force_login(self.w.users["bureau_lw"])
        response = self.client.get(reverse("home"))
        review = section(response, "review")
        self.assertEqual([i.title for i in review.items], ["广州市西村街社工服务站 · 2024年第四季度"])
        self.assertEqual(review.more_url, reverse("submission_list") + "?status=submitted&year=")
        # overdue only: xi Q1 is returned (own section), fe 2024-Q4 and 2025-Q1 never submitted (past 04-15)
        self.assertEqual([i.title for i in section(response, "due").items],
                         ["广州市逢源街社工服务站 · 2024年第四季度", "广州市逢源街社工服务站 · 2025年第一季度"])
        self.assertContains(response, "已提交，待审核（1）")

    def test_other_district_bureau_sees_nothing_of_liwan(self, _today):
        self.client.force_login(self.w.users["bureau_by"])
        response = self.client.get(reverse("home"))
        self.assertEqual(section(response, "review").total, 0)
        self.assertEqual({i.title.split(" · ")[0] for i in section(response, "due").items}, {"广州市景泰街社工服务站"})
        self.assertEqual(response.context["results"], [])
        self.assertNotContains(response, "西村")

    def test_navigation_per_role(self, _today):
        self.client.force_login(self.w.users["street_xc"])
        labels = [i["label"] for i in self.client.get(reverse("home")).context["nav_items"]]
        self.assertEqual(labels, ["首页", "数据填报", "评估", "满意度调查", "报告下载"])
        self.client.force_login(self.w.users["admin"])
        labels = [i["label"] for i in self.client.get(reverse("home")).context["nav_items"]]
        self.assertEqual(labels, ["首页", "服务协议", "总览", "评估", "满意度调查", "报告下载", "管理后台", "后台任务"])

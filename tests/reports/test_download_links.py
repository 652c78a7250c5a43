"""Download buttons wherever the user may see an evaluation (issue 5 §5): overview, home, tranches, contract page.

One rule decides (reports.permissions.evaluations_open_to via reports.pdf_selectors): an evaluator only after declaring
no conflict. Query counts do not grow with the number of evaluations.
"""

from decimal import Decimal
from unittest import mock

from django.test import TestCase
from django.urls import reverse

from reports import services
from reports.models import Evaluation, PerformanceEvaluation
from stations.models import Organisation

from .factories import make_world
from .test_queries import SESSION_RENEWAL, add_evaluations


def pdf_url(code: str) -> str:
    return reverse("report_evaluation_pdf", args=[code])


def finalise_all(world) -> None:
    Evaluation.objects.filter(contract__station__street__district=world.district).update(
        status=Evaluation.Status.FINALISED, total_score=Decimal("89.08"), grade="good"
    )


class OverviewButtonTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = make_world("o")

    def test_bureau_gets_a_download_button_per_row(self):
        self.client.force_login(self.w.bureau)
        response = self.client.get(reverse("evaluation_overview") + "?year=")
        self.assertContains(response, f'href="{pdf_url(self.w.evaluation.code)}"', count=1)

    def test_declared_evaluator_gets_the_button_the_pending_one_does_not(self):
        self.client.force_login(self.w.evaluator)
        self.assertContains(self.client.get(reverse("evaluation_overview") + "?year="), pdf_url(self.w.evaluation.code), count=1)
        self.client.force_login(self.w.evaluator2)
        response = self.client.get(reverse("evaluation_overview") + "?year=")
        self.assertContains(response, "待回避声明")
        self.assertNotContains(response, pdf_url(self.w.evaluation.code))


class HomeResultsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = make_world("h")
        finalise_all(cls.w)

    def test_street_office_downloads_from_the_latest_results(self):
        self.client.force_login(self.w.street_user)
        response = self.client.get(reverse("home"))
        self.assertContains(response, "89.08")
        self.assertContains(response, f'href="{pdf_url(self.w.evaluation.code)}"', count=1)

    def test_pending_evaluator_sees_neither_the_result_nor_the_button(self):
        self.client.force_login(self.w.evaluator2)
        response = self.client.get(reverse("home"))
        self.assertEqual(response.context["results"], [])
        self.assertNotContains(response, "89.08")
        self.assertNotContains(response, pdf_url(self.w.evaluation.code))
        self.client.force_login(self.w.evaluator)
        response = self.client.get(reverse("home"))
        self.assertContains(response, "89.08")
        self.assertContains(response, pdf_url(self.w.evaluation.code), count=1)


class TranchesAndContractPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = make_world("c")
        cls.pe = PerformanceEvaluation.objects.create(
            code="perf-c", title="测试街2023年度社工服务站项目绩效评价报告", year=2023,
            department=Organisation.objects.get(name="测试街道办c"), contract=cls.w.contract,
        )

    def test_tranches_page_offers_each_evaluation_report(self):
        self.client.force_login(self.w.bureau)
        response = self.client.get(reverse("evaluation_contract_tranches", args=[self.w.contract.code]))
        self.assertContains(response, f'href="{pdf_url(self.w.evaluation.code)}"', count=1)

    def test_contract_page_lists_the_evaluation_and_performance_reports(self):
        perf_url = reverse("report_performance_pdf", args=[self.pe.code])
        for user in (self.w.street_user, self.w.bureau):
            self.client.force_login(user)
            response = self.client.get(reverse("contract_detail", args=[self.w.contract.code]))
            self.assertContains(response, "评估与绩效评价报告")
            self.assertContains(response, f'href="{pdf_url(self.w.evaluation.code)}"', count=1)
            self.assertContains(response, f'href="{perf_url}"', count=1)
            self.assertContains(response, reverse("evaluation_contract_tranches", args=[self.w.contract.code]))

    def test_declared_evaluator_gets_the_evaluation_but_no_money_or_performance_report(self):
        self.client.force_login(self.w.evaluator)
        response = self.client.get(reverse("contract_detail", args=[self.w.contract.code]))
        self.assertContains(response, pdf_url(self.w.evaluation.code), count=1)
        self.assertNotContains(response, reverse("report_performance_pdf", args=[self.pe.code]))
        self.assertNotContains(response, reverse("evaluation_contract_tranches", args=[self.w.contract.code]))


class ButtonQueryCountTests(TestCase):
    """Overview and home: the same queries for 1 and for many evaluations."""

    def count(self, user, url: str) -> int:
        self.client.force_login(user)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(ctx.captured_queries)

    def test_overview_and_home_do_not_grow(self):
        one = make_world("q1")
        many = make_world("qm")
        add_evaluations(many, 12)
        finalise_all(one)
        finalise_all(many)
        for url in (reverse("evaluation_overview") + "?year=", reverse("home")):
            for attr in ("bureau", "evaluator"):
                with self.subTest(url=url, user=attr):
                    self.assertEqual(self.count(getattr(one, attr), url), self.count(getattr(many, attr), url))
        self.client.force_login(many.bureau)
        # 6 for the overview itself (session, user with its organisation, …), 2 for the filter choices (districts,
        # streets of the visible stations)
        with self.assertNumQueries(8 + SESSION_RENEWAL):
            response = self.client.get(reverse("evaluation_overview") + "?year=")
        self.assertContains(response, "下载评估报告（PDF）", count=13)


class OtherEvaluatorsConflictTests(TestCase):
    """One evaluator's 回避 (conflict) removes only that evaluator, not the colleagues who declared no conflict."""

    @classmethod
    def setUpTestData(cls):
        cls.w = make_world("x")
        services.evaluation_declare(evaluation=cls.w.evaluation, user=cls.w.evaluator2, conflict=True)

    def test_declared_colleague_keeps_the_evaluation_and_its_report(self):
        self.client.force_login(self.w.evaluator)
        self.assertEqual(self.client.get(reverse("evaluation_detail", args=[self.w.evaluation.code])).status_code, 200)
        self.assertContains(self.client.get(reverse("evaluation_overview") + "?year="), pdf_url(self.w.evaluation.code), count=1)
        with mock.patch("reports.pdf.render_pdf", return_value=b"%PDF-1.7\n"):
            self.assertEqual(self.client.get(pdf_url(self.w.evaluation.code)).status_code, 200)

    def test_the_conflicted_evaluator_is_out(self):
        self.client.force_login(self.w.evaluator2)
        self.assertEqual(self.client.get(reverse("evaluation_detail", args=[self.w.evaluation.code])).status_code, 404)
        self.assertEqual(self.client.get(pdf_url(self.w.evaluation.code)).status_code, 404)

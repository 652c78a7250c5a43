"""The survey list is filtered like every other list (district, year, state, search, order; the URL holds them), the
current year by default, and each role sees its own surveys only; its queries do not grow with the rows of a page."""

from __future__ import annotations

from datetime import datetime

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from demo.loader import demo_load
from reports.models import Evaluation, PerformanceEvaluation
from stations.models import User
from surveys.models import Survey


def at(year: int, month: int, day: int, hour: int = 12):
    return timezone.make_aware(datetime(year, month, day, hour))


class SurveyListTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()
        cls.evaluator = User.objects.get(username="evaluator_gzswa")
        final = Evaluation.objects.get(code="xicun-2024-final")
        jingtai = PerformanceEvaluation.objects.get(contract__code="jingtai-2023")
        yuangang = PerformanceEvaluation.objects.get(contract__code="yuangang-2023")
        this_year = timezone.localdate().year

        def survey(title, *, evaluation=None, performance=None, status="draft", created=None):
            contract = (evaluation or performance).contract
            s = Survey.objects.create(title=title, evaluation=evaluation, performance_evaluation=performance,
                                      contract=contract, evaluator=cls.evaluator, status=status)
            Survey.objects.filter(pk=s.pk).update(created_at=created or at(this_year, 1, 5))
            return s

        # 00:00 on 1 January, Beijing time (31 December in UTC): this year's
        cls.xicun = survey("西村末期满意度调查", evaluation=final, status="open", created=at(this_year, 1, 1, 0))
        cls.jingtai = survey("景泰绩效评价满意度调查", performance=jingtai, created=at(this_year, 3, 1))
        cls.yuangang = survey("员岗绩效评价满意度调查", performance=yuangang, status="closed",
                              created=at(this_year, 2, 1))
        # the last minute of last year, Beijing time: not in this year's list
        cls.old = survey("西村往年调查", evaluation=final, status="closed", created=at(this_year - 1, 12, 31, 23))
        cls.this_year = this_year

    def titles(self, user: str, **params) -> list[str]:
        self.client.force_login(User.objects.get(username=user))
        response = self.client.get(reverse("survey_list"), params)
        self.assertEqual(response.status_code, 200)
        return [s.title for s in response.context["page"].object_list]

    def test_the_current_year_by_default_newest_first(self):
        self.assertEqual(self.titles("supervision_gz"), ["景泰绩效评价满意度调查", "员岗绩效评价满意度调查",
                                                         "西村末期满意度调查"])
        self.assertEqual(self.titles("supervision_gz", year=""),
                         ["景泰绩效评价满意度调查", "员岗绩效评价满意度调查", "西村末期满意度调查", "西村往年调查"])
        self.assertEqual(self.titles("supervision_gz", year=str(self.this_year - 1)), ["西村往年调查"])
        self.assertEqual(self.titles("supervision_gz", sort="created"),
                         ["西村末期满意度调查", "员岗绩效评价满意度调查", "景泰绩效评价满意度调查"])

    def test_the_year_is_a_range_on_created_at_in_beijing_time(self):
        """00:00 on 1 January in Beijing is still 31 December in UTC: the survey created then is this year's (the
        first test); the database reads a range of created_at (its index), not a year extracted from every row."""
        from surveys.filters import SurveyFilter

        filterset = SurveyFilter({"year": str(self.this_year)}, Survey.objects.all(), today=timezone.localdate())
        sql, _ = filterset.qs.query.sql_with_params()
        self.assertIn('"surveys_survey"."created_at" BETWEEN', sql)
        self.assertEqual([s.title for s in filterset.qs], ["景泰绩效评价满意度调查", "员岗绩效评价满意度调查",
                                                           "西村末期满意度调查"])

    def test_filters_by_state_district_and_search(self):
        self.assertEqual(self.titles("supervision_gz", status="closed", year=""),
                         ["员岗绩效评价满意度调查", "西村往年调查"])
        baiyun = self.jingtai.contract.station.street.district_id
        self.assertEqual(self.titles("supervision_gz", district=baiyun), ["景泰绩效评价满意度调查"])
        self.assertEqual(self.titles("supervision_gz", q="西村", year=""), ["西村末期满意度调查", "西村往年调查"])
        self.assertEqual(self.titles("supervision_gz", q="jingtai-2023"), ["景泰绩效评价满意度调查"])

    def test_each_role_sees_its_own(self):
        self.assertEqual(self.titles("bureau_liwan", year=""), ["西村末期满意度调查", "西村往年调查"])
        self.assertEqual(self.titles("street_xicun"), ["西村末期满意度调查"])
        self.assertEqual(self.titles("street_jingtai"), ["景泰绩效评价满意度调查"])
        # another district is not a choice of the bureau's filter: refused by name, and the list stays its own
        self.client.force_login(User.objects.get(username="bureau_liwan"))
        response = self.client.get(reverse("survey_list"), {"district": self.jingtai.contract.station.street
                                                            .district_id})
        self.assertEqual([s.title for s in response.context["page"].object_list], ["西村末期满意度调查"])
        self.assertIn("district", response.context["filter"].form.errors)

    def test_bad_values_are_named_not_a_server_error(self):
        self.client.force_login(User.objects.get(username="supervision_gz"))
        response = self.client.get(reverse("survey_list"), {"year": "abc", "status": "nope", "sort": "x"})
        self.assertEqual(response.status_code, 200)
        errors = response.context["filter"].form.errors
        self.assertEqual(sorted(errors), ["sort", "status", "year"])
        self.assertContains(response, "选择一个有效的选项")

    def test_the_page_keeps_its_filters_and_its_queries_do_not_grow_with_its_rows(self):
        self.client.force_login(User.objects.get(username="supervision_gz"))
        url = reverse("survey_list")
        self.client.get(url)  # the session's first read
        with self.assertNumQueries(5) as few:
            self.client.get(url, {"year": ""})
        for i in range(25):
            Survey.objects.create(title=f"调查{i}", performance_evaluation=self.jingtai.performance_evaluation,
                                  contract=self.jingtai.contract, evaluator=self.evaluator)
        with self.assertNumQueries(len(few.captured_queries)):
            response = self.client.get(url, {"year": "", "status": "draft"})
        self.assertEqual(len(response.context["page"].object_list), 20)
        self.assertContains(response, "?year=&amp;status=draft&amp;page=2")
        self.assertContains(response, "共 26 条。")

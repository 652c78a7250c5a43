"""Issue 14 end to end through the portal: create, roster, sample, phone and link answers, close, results, points;
what each role may see; one-time and expiring links; the retention purge."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from demo.loader import demo_load
from reports.models import Evaluation, PerformanceEvaluation, PerformanceIndicator
from reports.services import evaluation_declare
from stations.models import AuditEntry, User
from surveys.models import Contact, Respondent, Survey, SurveyEvent
from tests.surveys.factories import default_questionnaire


def roster_file(rows: list[tuple]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.title = "名单"
    ws.append(["姓名", "电话", "片区", "服务类型"])
    for r in rows:
        ws.append(list(r))
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "名单.xlsx"
    return buffer


def people(prefix: str, count: int, area: str = "片区一", start: int = 0) -> list[tuple]:
    return [(f"{prefix}{i}", f"1380000{start + i:04d}", area, "长者服务") for i in range(count)]


class SurveyCase(TestCase):
    """Seed 002's world from the demo data: the evaluator declared for 西村's final evaluation; helpers to create,
    fill and sample a survey through the pages."""

    @classmethod
    def setUpTestData(cls):
        demo_load()
        cls.evaluator = User.objects.get(username="evaluator_gzswa")
        cls.street = User.objects.get(username="street_xicun")
        cls.bureau = User.objects.get(username="bureau_liwan")
        cls.final = Evaluation.objects.get(code="xicun-2024-final")
        evaluation_declare(evaluation=cls.final, user=cls.evaluator, conflict=False)
        cls.template = default_questionnaire()

    def create_survey(self, sizes=(9, 5, 2)) -> Survey:
        self.client.force_login(self.evaluator)
        response = self.client.post(reverse("survey_create", args=[self.final.code]), {
            "template": self.template.pk, "title": "", "group1": "服务对象", "size1": sizes[0],
            "group2": "居委会代表", "size2": sizes[1], "group3": "合作方代表", "size3": sizes[2], "points_max": "10",
        })
        survey = Survey.objects.get(evaluation=self.final)
        self.assertRedirects(response, reverse("survey_detail", args=[survey.pk]))
        return survey

    def upload(self, survey: Survey, group_name: str, rows: list[tuple]):
        self.client.force_login(self.street)
        group = survey.groups.get(name=group_name)
        return self.client.post(reverse("survey_roster", args=[survey.pk, group.pk]), {"file": roster_file(rows)})

    def prepared(self, seed="seed-002") -> Survey:
        survey = self.create_survey()
        self.upload(survey, "服务对象", people("服务对象", 12, "片区一") + people("对象乙", 8, "片区二", start=100))
        self.upload(survey, "居委会代表", people("居委", 6, start=200))
        self.upload(survey, "合作方代表", people("合作方", 3, start=300))
        self.client.force_login(self.evaluator)
        self.client.post(reverse("survey_sample", args=[survey.pk]), {"seed": seed})
        survey.refresh_from_db()
        return survey

    def answer_by_phone(self, respondent: Respondent, values: list[int]) -> None:
        self.client.force_login(self.evaluator)
        data = {"outcome": "reached", "version": respondent.version, "comment": ""}
        for question, value in zip(respondent.survey.questions.all(), values, strict=True):
            data[f"q{question.pk}"] = value
        response = self.client.post(reverse("survey_interview", args=[respondent.survey_id, respondent.number]), data)
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])

    def closed_and_finalised(self, *, days_ago: int) -> Survey:
        """A sampled survey, closed, whose evaluation was finalised `days_ago` days ago (the retention clock)."""
        survey = self.prepared()
        self.client.force_login(self.evaluator)
        self.client.post(reverse("survey_close", args=[survey.pk]))
        Evaluation.objects.filter(pk=self.final.pk).update(
            status="finalised", total_score=Decimal("80"), grade="good",
            finalised_at=timezone.now() - timedelta(days=days_ago),
        )
        return survey

    def crafted_seed_two(self) -> Survey:
        """Answers that give seed 002's rates: 服务对象 202/225 = 89.78%, 居委会代表 100%, 合作方代表 90%; closed."""
        survey = self.prepared()
        users = list(survey.respondents.filter(group__name="服务对象").order_by("number"))
        self.assertEqual(len(users), 9)
        grid = [5] * 22 + [4] * 23  # 22 answers of 5 and 23 of 4 over 9 × 5 answers
        for i, respondent in enumerate(users):
            self.answer_by_phone(respondent, grid[i * 5:(i + 1) * 5])
        for respondent in survey.respondents.filter(group__name="居委会代表"):
            self.answer_by_phone(respondent, [5, 5, 5, 5, 5])
        partners = list(survey.respondents.filter(group__name="合作方代表").order_by("number"))
        self.answer_by_phone(partners[0], [5, 5, 5, 5, 5])
        self.answer_by_phone(partners[1], [4, 4, 4, 4, 4])
        self.client.post(reverse("survey_close", args=[survey.pk]))
        survey.refresh_from_db()
        return survey


class SurveyFlowTests(SurveyCase):
    def test_survey_is_created_with_the_template_frozen_and_the_groups(self):
        survey = self.create_survey()
        self.assertEqual(survey.questions.count(), 5)
        self.assertEqual([(g.name, g.sample_size, g.drives_points) for g in survey.groups.all()],
                         [("服务对象", 9, True), ("居委会代表", 5, False), ("合作方代表", 2, False)])
        self.template.questions.update(text="改过的题目")
        self.assertFalse(survey.questions.filter(text="改过的题目").exists())

    def test_crafted_answers_reproduce_seed_two(self):
        """服务对象 202/225 = 89.78%, 居委会代表 100%, 合作方代表 90%; 8.98 of 10."""
        survey = self.crafted_seed_two()
        page = self.client.get(reverse("survey_detail", args=[survey.pk])).content.decode()
        for text in ("89.78%", "100.00%", "90.00%", "8.98 分（满分 10.00 分）"):
            self.assertIn(text, page)
        # the export: the same rates as numbers shown 0.00% (issue 16 §2)
        from openpyxl import load_workbook

        ws = load_workbook(io.BytesIO(self.client.get(reverse("survey_export", args=[survey.pk])).content))["满意度"]
        rates = {ws.cell(r, 1).value: ws.cell(r, 9) for r in range(5, 9)}
        self.assertEqual({name: cell.value for name, cell in rates.items()},
                         {"服务对象": 0.8978, "居委会代表": 1, "合作方代表": 0.9, "合计": rates["合计"].value})
        self.assertEqual({cell.number_format for cell in rates.values()}, {"0.00%"})
        # into seed 002's performance evaluation: the survey of the 绩效评价, run by the same evaluator
        Survey.objects.filter(pk=survey.pk).update(
            performance_evaluation=PerformanceEvaluation.objects.get(code="jingtai-2023")
        )
        indicator = PerformanceIndicator.objects.get(evaluation__code="jingtai-2023", name="服务对象满意度")
        indicator.score = None
        indicator.save()
        response = self.client.post(reverse("survey_apply", args=[survey.pk]), follow=True)
        self.assertContains(response, "服务对象满意度得分 8.98 分已计入评价。")
        indicator.refresh_from_db()
        self.assertEqual(indicator.score, Decimal("8.978"))
        self.assertEqual(
            indicator.reason,
            "经对广州市西村街社工服务站提供的服务对象名单进行满意度抽查，受访的服务对象、居委会代表及合作方代表满意度分别为 "
            "89.78%、100%和 90%。故得 8.98 分。",
        )
        # the points are a correction of the 绩效评价 like any other: recorded old → new (issue 9 §3)
        entry = AuditEntry.objects.get(model="reports.performanceindicator", object_id=indicator.pk, field="得分")
        self.assertEqual((entry.user, entry.old_value, entry.new_value, entry.source),
                         (self.evaluator, "", "8.978", "满意度调查"))
        # a published 绩效评价 stays as published: applying again is refused and changes nothing (issue 9 §1)
        PerformanceEvaluation.objects.filter(code="jingtai-2023").update(status="published")
        PerformanceIndicator.objects.filter(pk=indicator.pk).update(score=None)
        response = self.client.post(reverse("survey_apply", args=[survey.pk]), follow=True)
        self.assertContains(response, "（jingtai-2023）已发布，不能修改；如需修改，请由区民政局填写原因撤回发布。")
        indicator.refresh_from_db()
        self.assertIsNone(indicator.score)

    def test_the_same_seed_draws_the_same_sample(self):
        first = self.prepared(seed="abc")
        drawn = sorted(first.respondents.values_list("contact__phone", flat=True))
        Survey.objects.all().delete()
        second = self.prepared(seed="abc")
        self.assertEqual(sorted(second.respondents.values_list("contact__phone", flat=True)), drawn)
        self.assertEqual(second.seed, "abc")
        self.assertTrue(SurveyEvent.objects.filter(survey=second, action="抽样", detail__contains="随机种子 abc").exists())
        Survey.objects.all().delete()
        third = self.prepared(seed="xyz")  # another seed, another sample; the seed is shown on the page
        self.assertNotEqual(sorted(third.respondents.values_list("contact__phone", flat=True)), drawn)
        self.assertContains(self.client.get(reverse("survey_detail", args=[third.pk])), "xyz")

    def test_station_and_bureau_see_no_names_or_phones(self):
        survey = self.prepared()
        drawn = list(survey.respondents.select_related("contact"))
        for user in (self.street, self.bureau):
            self.client.force_login(user)
            page = self.client.get(reverse("survey_detail", args=[survey.pk])).content.decode()
            self.assertIn("调查结束后，这里显示", page)
            for respondent in drawn:
                self.assertNotIn(respondent.contact.name, page)
                self.assertNotIn(respondent.contact.phone[-4:] + "<", page)
            self.assertEqual(self.client.get(reverse("survey_interviews", args=[survey.pk])).status_code, 404)
            self.assertEqual(
                self.client.get(reverse("survey_interview", args=[survey.pk, drawn[0].number])).status_code, 404
            )

    def test_evaluator_sees_masked_phones_and_a_revealed_number_is_recorded(self):
        survey = self.prepared()
        respondent = survey.respondents.select_related("contact").first()
        self.client.force_login(self.evaluator)
        page = self.client.get(reverse("survey_interviews", args=[survey.pk])).content.decode()
        phone = respondent.contact.phone
        self.assertIn(f"{phone[:3]}****{phone[-4:]}", page)
        self.assertNotIn(phone, page)
        page = self.client.post(reverse("survey_phone", args=[survey.pk, respondent.number])).content.decode()
        self.assertIn(f'href="tel:{phone}"', page)
        self.assertTrue(SurveyEvent.objects.filter(survey=survey, action="查看电话",
                                                   detail=f"{respondent.number:03d} 号受访者").exists())

    def test_a_link_works_once(self):
        survey = self.prepared()
        self.client.force_login(self.evaluator)
        page = self.client.post(reverse("survey_slips", args=[survey.pk])).content.decode()
        tokens = re.findall(r"/q/([\w-]+)/", page)
        self.assertEqual(len(set(tokens)), survey.respondents.count())
        self.assertEqual(page.count("<svg"), len(set(tokens)))
        self.client.logout()
        url = reverse("survey_answer", args=[tokens[0]])
        form = self.client.get(url)
        self.assertEqual(form.status_code, 200)
        body = form.content.decode()
        self.assertNotIn("138000", body)
        data = {f"q{q.pk}": "5" for q in survey.questions.all()}
        done = self.client.post(url, data)
        self.assertContains(done, "问卷已提交，感谢您的参与！")
        again = self.client.get(url)
        self.assertContains(again, "该问卷已经提交过，感谢您的参与。每个链接只能使用一次。", status_code=410)
        self.assertContains(self.client.post(url, data), "每个链接只能使用一次", status_code=410)
        respondent = Respondent.objects.get(survey=survey, channel="link")
        self.assertEqual(respondent.answers.count(), 5)

    def test_an_unanswered_question_keeps_the_link_open_with_its_message(self):
        survey = self.prepared()
        self.client.force_login(self.evaluator)
        token = re.findall(r"/q/([\w-]+)/", self.client.post(reverse("survey_slips", args=[survey.pk])).content.decode())[0]
        self.client.logout()
        first = survey.questions.first()
        response = self.client.post(reverse("survey_answer", args=[token]), {f"q{first.pk}": "5"})
        self.assertContains(response, "请回答第2题。")
        self.assertFalse(Respondent.objects.filter(survey=survey, completed_at__isnull=False).exists())

    def test_an_expired_link_refuses_with_the_date(self):
        survey = self.prepared()
        self.client.force_login(self.evaluator)
        token = re.findall(r"/q/([\w-]+)/", self.client.post(reverse("survey_slips", args=[survey.pk])).content.decode())[0]
        Survey.objects.filter(pk=survey.pk).update(links_expire_at=timezone.now() - timedelta(minutes=1))
        expired = timezone.localtime(timezone.now() - timedelta(minutes=1))
        self.client.logout()
        response = self.client.get(reverse("survey_answer", args=[token]))
        self.assertContains(response, f"链接已于 {expired:%Y年%m月%d日 %H:%M} 过期，本次调查不再接受作答。",
                            status_code=410)

    @override_settings(SURVEY_LINK_RATE_PER_MINUTE=3)
    def test_link_requests_are_rate_limited(self):
        from django.core.cache import cache

        cache.clear()
        statuses = [self.client.get(reverse("survey_answer", args=["nope"])).status_code for _ in range(4)]
        self.assertEqual(statuses, [410, 410, 410, 429])
        response = self.client.get(reverse("survey_answer", args=["nope"]))
        self.assertEqual(response["Retry-After"], "60")
        cache.clear()

    def test_roster_errors_name_row_and_column_and_save_nothing(self):
        survey = self.create_survey()
        response = self.upload(survey, "服务对象", [("张三", "12345", "片区一", ""), ("", "13800001234", "", ""),
                                                   ("李四", "13800001234", "", "")])
        page = response.content.decode()
        self.assertIn("工作表“名单” 第2行 第B列：电话“12345”格式不正确", page)
        self.assertIn("工作表“名单” 第3行 第A列：姓名不能为空。", page)
        self.assertFalse(Contact.objects.exists())

    def test_retention_purge_deletes_names_and_phones_after_finalisation(self):
        survey = self.closed_and_finalised(days_ago=31)
        out = io.StringIO()
        call_command("purge_survey_rosters", stdout=out)
        self.assertIn("已删除 1 个调查的名单", out.getvalue())
        self.assertFalse(Contact.objects.filter(group__survey=survey).exists())
        self.assertEqual(survey.respondents.count(), 16)
        self.assertTrue(SurveyEvent.objects.filter(survey=survey, action="删除名单").exists())

    def test_results_export_carries_no_personal_data(self):
        survey = self.prepared()
        self.client.force_login(self.evaluator)
        response = self.client.get(reverse("survey_export", args=[survey.pk]))
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(response.content))
        text = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)
        self.assertIn("满意度计算规则", text)
        for contact in Contact.objects.filter(group__survey=survey):
            self.assertNotIn(contact.name, text)
            self.assertNotIn(contact.phone, text)


class SurveyDenialTests(SurveyCase):
    """What only the survey's evaluator may do, refused to everyone else (issue 14 §2, §5)."""

    def test_another_evaluator_sees_neither_the_survey_nor_its_phones(self):
        survey = self.prepared()
        respondent = survey.respondents.first()
        other = User.objects.create_user(
            username="evaluator_other", password="x", role="evaluator", organisation=self.evaluator.organisation
        )
        self.client.force_login(other)
        for url, method in (
            (reverse("survey_detail", args=[survey.pk]), "get"),
            (reverse("survey_interviews", args=[survey.pk]), "get"),
            (reverse("survey_interview", args=[survey.pk, respondent.number]), "get"),
            (reverse("survey_phone", args=[survey.pk, respondent.number]), "post"),
            (reverse("survey_slips", args=[survey.pk]), "post"),
            (reverse("survey_export", args=[survey.pk]), "get"),
        ):
            with self.subTest(url=url):
                self.assertEqual(getattr(self.client, method)(url).status_code, 404)
        self.assertFalse(SurveyEvent.objects.filter(survey=survey, action="查看电话").exists())

    def test_the_station_cannot_print_slips_export_or_close_before_the_survey_closes(self):
        survey = self.prepared()
        self.client.force_login(self.street)
        self.assertEqual(self.client.post(reverse("survey_slips", args=[survey.pk])).status_code, 403)
        self.assertEqual(self.client.get(reverse("survey_export", args=[survey.pk])).status_code, 403)
        self.assertEqual(self.client.post(reverse("survey_close", args=[survey.pk])).status_code, 403)
        self.assertFalse(Respondent.objects.filter(survey=survey).exclude(token_hash="").exists())
        self.assertEqual(Survey.objects.get(pk=survey.pk).status, Survey.Status.OPEN)

    def test_the_retention_purge_waits_for_the_period(self):
        survey = self.closed_and_finalised(days_ago=10)
        out = io.StringIO()
        call_command("purge_survey_rosters", stdout=out)
        self.assertEqual(Contact.objects.filter(group__survey=survey).count(), 29)
        self.assertFalse(SurveyEvent.objects.filter(survey=survey, action="删除名单").exists())

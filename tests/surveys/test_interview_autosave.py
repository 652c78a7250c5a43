"""Phone interviews saved as they are entered (issue 14 §3a): the tablet page posts the whole record with the version
it started from, through the scoring page's autosave protocol; reached / refused / unreachable are recorded, a second
writer is told and sees what is stored; only the survey's evaluator may write."""

from __future__ import annotations

import json

from django.urls import reverse

from stations.models import User
from surveys.models import Respondent, Survey

from .test_flow import SurveyCase


class InterviewAutosaveTests(SurveyCase):
    def setUp(self):
        self.survey = self.prepared()
        self.respondent = self.survey.respondents.order_by("number").first()
        self.questions = list(self.survey.questions.all())
        self.url = reverse("survey_interview_autosave", args=[self.survey.pk, self.respondent.number])
        self.client.force_login(self.evaluator)

    def post(self, body: dict, client=None):
        return (client or self.client).post(self.url, json.dumps(body), content_type="application/json")

    def record(self, outcome: str, values: list, version: int, comment: str = "") -> dict:
        body = {"version": version, "outcome": outcome, "comment": comment}
        for question, value in zip(self.questions, values, strict=False):
            body[f"q{question.pk}"] = str(value)
        return body

    def test_answers_are_saved_as_entered_and_the_new_version_returned(self):
        response = self.post(self.record("reached", [5, 4], version=1))
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertEqual(data["version"], 2)
        q = [f"q{question.pk}" for question in self.questions]
        self.assertEqual(data["respondent"]["outcome"], "reached")
        self.assertEqual([data["respondent"][k] for k in q], ["5", "4", "", "", ""])
        respondent = Respondent.objects.get(pk=self.respondent.pk)
        self.assertIsNone(respondent.completed_at)  # three questions still open
        response = self.post(self.record("reached", [5, 4, 4, 5, 3], version=2, comment="社工很耐心"))
        respondent.refresh_from_db()
        self.assertEqual(response.json()["version"], 3)
        self.assertIsNotNone(respondent.completed_at)
        self.assertEqual(respondent.channel, "phone")
        self.assertEqual(respondent.comment, "社工很耐心")
        self.assertEqual(sorted(respondent.answers.values_list("value", flat=True)), [3, 4, 4, 5, 5])

    def test_an_answer_entered_before_the_outcome_records_the_call_as_reached(self):
        self.post(self.record("pending", [4], version=1))
        respondent = Respondent.objects.get(pk=self.respondent.pk)
        self.assertEqual(respondent.outcome, "reached")
        self.assertEqual(list(respondent.answers.values_list("value", flat=True)), [4])

    def test_refused_and_unreachable_are_recorded_without_answers(self):
        self.post(self.record("reached", [5, 5], version=1))
        for version, outcome in ((2, "refused"), (3, "unreachable")):
            with self.subTest(outcome=outcome):
                data = self.post(self.record(outcome, [5, 5], version=version, comment="不该保存")).json()
                self.assertEqual(data["respondent"]["outcome"], outcome)
                respondent = Respondent.objects.get(pk=self.respondent.pk)
                self.assertEqual(respondent.outcome, outcome)
                self.assertFalse(respondent.answers.exists())
                self.assertEqual(respondent.comment, "")
                self.assertIsNone(respondent.completed_at)

    def test_the_second_writer_is_told_and_sees_what_is_stored(self):
        self.assertEqual(self.post(self.record("reached", [5], version=1)).status_code, 200)
        response = self.post(self.record("refused", [], version=1))  # another tablet, opened at version 1
        self.assertEqual(response.status_code, 409)
        data = response.json()
        self.assertTrue(data["conflict"])
        self.assertEqual(
            data["error"],
            f"{self.respondent.number:03d} 号受访者已在别处保存（可能是另一台设备），请刷新后核对再保存。",
        )
        self.assertEqual(data["current"]["version"], 2)
        self.assertEqual(data["current"]["outcome"], "reached")
        self.assertEqual(data["current"][f"q{self.questions[0].pk}"], "5")
        self.assertEqual(Respondent.objects.get(pk=self.respondent.pk).outcome, "reached")

    def test_an_invalid_answer_is_refused_with_the_question_named(self):
        response = self.post(self.record("reached", [9], version=1))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"], f"第{self.questions[0].order}题“{self.questions[0].text}”的回答无效。")

    def test_malformed_requests_are_refused_with_a_message_never_a_500(self):
        for body, message in (
            ("not json", "请求格式错误。"),
            ("[1, 2]", "请求格式错误。"),
            (json.dumps({"outcome": "reached"}), "缺少版本号。"),
            (json.dumps({"version": 1, "outcome": "maybe"}), "请选择访问结果。"),
            (json.dumps({"version": 1, "outcome": "reached", f"q{self.questions[0].pk}": [5]}),
             f"第{self.questions[0].order}题“{self.questions[0].text}”的回答无效。"),
        ):
            with self.subTest(body=body):
                response = self.client.post(self.url, body, content_type="application/json")
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.json()["error"], message)
        self.assertEqual(Respondent.objects.get(pk=self.respondent.pk).version, 1)

    def test_a_closed_survey_takes_no_more_interviews(self):
        self.client.post(reverse("survey_close", args=[self.survey.pk]))
        response = self.post(self.record("reached", [5], version=1))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"], "调查未在进行中，不能录入。")

    def test_nobody_but_the_surveys_evaluator_may_write(self):
        other = User.objects.create_user(  # an evaluator of the same agency, not the survey's
            username="evaluator_other", password="x", role="evaluator", organisation=self.evaluator.organisation
        )
        for user in (self.street, self.bureau, other):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                self.assertEqual(self.post(self.record("reached", [5], version=1)).status_code, 404)
        self.client.logout()
        self.assertEqual(self.post(self.record("reached", [5], version=1)).status_code, 302)
        self.assertEqual(Respondent.objects.get(pk=self.respondent.pk).version, 1)

    def test_the_interview_page_loads_the_shared_autosave_engine(self):
        page = self.client.get(reverse("survey_interview", args=[self.survey.pk, self.respondent.number]))
        self.assertContains(page, "js/autosave.js")
        self.assertContains(page, "js/survey_interview.js")
        self.assertContains(page, f'data-version="{self.respondent.version}"')
        self.assertContains(page, 'data-editable="1"')
        self.assertNotContains(page, self.respondent.contact.name)

    def test_a_page_form_post_after_autosaves_uses_the_reached_version(self):
        self.post(self.record("reached", [5], version=1))
        # the page's 保存 button posts the form with the version the autosave reached (the script sets it)
        data = {"outcome": "reached", "version": 2, "comment": ""}
        for question in self.questions:
            data[f"q{question.pk}"] = "4"
        response = self.client.post(reverse("survey_interview", args=[self.survey.pk, self.respondent.number]), data)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Respondent.objects.get(pk=self.respondent.pk).answers.count(), 5)


class SampleQueryTests(SurveyCase):
    def test_drawing_the_sample_reads_the_contacts_once(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        survey = self.create_survey()
        self.upload(survey, "服务对象", [(f"对象{i}", f"1380000{i:04d}", "片区一", "") for i in range(12)])
        self.client.force_login(self.evaluator)
        with CaptureQueriesContext(connection) as queries:
            self.client.post(reverse("survey_sample", args=[survey.pk]), {"seed": "x"})
        contact_reads = [q["sql"] for q in queries.captured_queries
                         if 'FROM "surveys_contact"' in q["sql"] and q["sql"].lstrip().upper().startswith("SELECT")]
        self.assertEqual(len(contact_reads), 1, contact_reads)
        self.assertEqual(Survey.objects.get(pk=survey.pk).respondents.count(), 9)


class InterviewQueryTests(SurveyCase):
    """An autosave and the interview page cost the same whatever the sample's size."""

    def sample(self, sizes: tuple[int, int, int], users: int) -> Survey:
        survey = self.create_survey(sizes=sizes)
        self.upload(survey, "服务对象", [(f"对象{i}", f"1380000{i:04d}", f"片区{i % 3}", "") for i in range(users)])
        self.upload(survey, "居委会代表", [(f"居委{i}", f"1390000{i:04d}", "", "") for i in range(8)])
        self.client.force_login(self.evaluator)
        self.client.post(reverse("survey_sample", args=[survey.pk]), {"seed": "q"})
        return Survey.objects.get(pk=survey.pk)

    def test_query_counts_do_not_grow_with_the_sample(self):
        for sizes, users in (((3, 1, 0), 5), ((60, 8, 0), 90)):
            with self.subTest(users=users):
                Survey.objects.all().delete()
                survey = self.sample(sizes, users)
                respondent = survey.respondents.order_by("-number").first()
                body = {"version": 1, "outcome": "reached", **{f"q{q.pk}": "5" for q in survey.questions.all()}}
                url = reverse("survey_interview_autosave", args=[survey.pk, respondent.number])
                # session, user, survey in scope, respondent, questions; savepoint, respondent locked, questions,
                # answers deleted and inserted, question count, respondent saved, release; the stored record
                # (answers, questions)
                with self.assertNumQueries(15):
                    response = self.client.post(url, json.dumps(body), content_type="application/json")
                self.assertEqual(response.status_code, 200)
                with self.assertNumQueries(7):
                    self.client.get(reverse("survey_interview", args=[survey.pk, respondent.number]))

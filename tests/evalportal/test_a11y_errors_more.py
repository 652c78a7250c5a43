"""Errors linked to their field (issue 15 §2) on the pages added since the accessibility pass, as the server renders
them (no browser, both databases): list filters, report verification, and the three Excel uploads (quarter import,
附件2 import, survey roster), whose file input points at the refusal and is marked invalid, so that accessibility.js
moves focus to it and a screen reader reads the reason."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from demo.loader import demo_load
from reports.models import Evaluation
from reports.services import evaluation_declare
from stations.models import User
from surveys import services as survey_services
from surveys.models import Contact
from tests.evalportal.test_a11y_markup import elements
from tests.indicators.factories import build_world
from tests.surveys.factories import default_questionnaire
from tests.surveys.test_flow import roster_file

CODE = "xicun-2024"


def by_id(html: str, element_id: str) -> tuple[str, dict[str, str]]:
    return next((tag, attrs) for tag, attrs in elements(html) if attrs.get("id") == element_id)


class LinkedErrorTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()
        cls.street = User.objects.get(username="street_xicun")
        cls.bureau = User.objects.get(username="bureau_liwan")

    def assert_linked(self, html: str, field_id: str, message: str) -> None:
        _tag, field = by_id(html, field_id)
        self.assertEqual(field.get("aria-invalid"), "true", field)
        refs = field.get("aria-describedby", "").split()
        self.assertTrue(refs, field)
        ids = {attrs.get("id") for _, attrs in elements(html)}
        for ref in refs:
            self.assertIn(ref, ids)
        described = [attrs for _, attrs in elements(html) if attrs.get("id") in refs]
        self.assertTrue(any(a.get("role") == "alert" for a in described), described)
        self.assertIn(message, html)

    def test_a_refused_list_filter_points_at_its_message(self):
        self.client.force_login(self.bureau)
        html = self.client.get(reverse("submission_list"), {"quarter": "bad"}).content.decode()
        self.assert_linked(html, "id_quarter", "bad")
        _tag, error = by_id(html, "id_quarter_error")
        self.assertEqual(error.get("role"), "alert")

    def test_a_refused_verification_points_at_its_message(self):
        self.client.force_login(self.bureau)
        response = self.client.post(reverse("report_verify"), {})
        self.assertEqual(response.status_code, 400)
        self.assert_linked(response.content.decode(), "id_file", "请选择要核验的 PDF 文件。")

    def test_a_refused_quarter_import_marks_the_file_input(self):
        self.client.force_login(self.street)
        url = reverse("quarter_import", args=[CODE, "2025-Q2"])
        html = self.client.post(url, {"file": SimpleUploadedFile("a.xlsx", b"not a workbook")}).content.decode()
        self.assert_linked(html, "file", "文件不是有效的 Excel（.xlsx）文件")
        self.assertEqual(by_id(html, "file")[1]["aria-describedby"], "upload-error")
        # before any upload the field is not marked
        self.assertNotIn("aria-invalid", str(by_id(self.client.get(url).content.decode(), "file")[1]))

    def test_a_refused_staff_import_marks_the_file_input(self):
        self.client.force_login(self.street)
        url = reverse("staff_import", args=[CODE])
        html = self.client.post(url, {"file": SimpleUploadedFile("a.xlsx", b"not a workbook")}).content.decode()
        self.assert_linked(html, "file", "文件不是有效的 Excel（.xlsx）文件")

    def test_a_refused_roster_marks_the_file_input_and_counts_as_the_imports_do(self):
        evaluator = User.objects.get(username="evaluator_gzswa")
        evaluation = Evaluation.objects.get(code="xicun-2024-final")
        evaluation_declare(evaluation=evaluation, user=evaluator, conflict=False)
        survey = survey_services.survey_create(
            user=evaluator, template=default_questionnaire(), title="", evaluation=evaluation,
            groups=[survey_services.GroupInput("服务对象", 2, True)],
        )
        group = survey.groups.get()
        self.client.force_login(self.street)
        url = reverse("survey_roster", args=[survey.pk, group.pk])
        rows = [("甲", "123", "片区一", "长者服务"), ("", "13800000001", "片区一", "长者服务")]
        html = self.client.post(url, {"file": roster_file(rows)}).content.decode()
        self.assert_linked(html, "file", "文件中有 2 处错误，未保存任何数据：")
        self.assertIn("工作表“名单” 第2行 第B列：电话“123”格式不正确", html)
        self.assertIn("工作表“名单” 第3行 第A列：姓名不能为空。", html)

    def test_a_refused_sample_size_points_at_its_message(self):
        evaluator = User.objects.get(username="evaluator_gzswa")
        evaluation = Evaluation.objects.get(code="xicun-2024-final")
        evaluation_declare(evaluation=evaluation, user=evaluator, conflict=False)
        survey = survey_services.survey_create(
            user=evaluator, template=default_questionnaire(), title="", evaluation=evaluation,
            groups=[survey_services.GroupInput("服务对象", 2, True), survey_services.GroupInput("居委会代表", 1, False)],
        )
        first, second = survey.groups.order_by("pk")
        self.client.force_login(evaluator)
        url = reverse("survey_sizes", args=[survey.pk])
        response = self.client.post(url, {f"size-{first.pk}": "2", f"size-{second.pk}": "1001"})
        self.assertEqual(response.status_code, 400)
        html = response.content.decode()
        self.assert_linked(html, f"size-{second.pk}", "“居委会代表”的样本量应在 0 到 1000 之间。")
        self.assertNotIn("aria-invalid", by_id(html, f"size-{first.pk}")[1])
        response = self.client.post(url, {f"size-{first.pk}": "两", f"size-{second.pk}": "1"})
        self.assert_linked(response.content.decode(), f"size-{first.pk}", "“服务对象”的样本量应为整数。")
        second.refresh_from_db()
        self.assertEqual(second.sample_size, 1)  # nothing saved by either refusal
        self.assertRedirects(self.client.post(url, {f"size-{first.pk}": "2", f"size-{second.pk}": "3"}),
                             reverse("survey_detail", args=[survey.pk]))

    def test_a_refused_phone_interview_points_each_question_at_its_message(self):
        evaluator = User.objects.get(username="evaluator_gzswa")
        evaluation = Evaluation.objects.get(code="xicun-2024-final")
        evaluation_declare(evaluation=evaluation, user=evaluator, conflict=False)
        survey = survey_services.survey_create(
            user=evaluator, template=default_questionnaire(), title="", evaluation=evaluation,
            groups=[survey_services.GroupInput("服务对象", 1, True)],
        )
        Contact.objects.create(group=survey.groups.get(), row=2, name="测试对象", phone="13800000000", area="片区一")
        survey_services.survey_draw_sample(survey=survey, user=evaluator, seed="a11y")
        respondent = survey.respondents.get()
        self.client.force_login(evaluator)
        url = reverse("survey_interview", args=[survey.pk, respondent.number])
        # no outcome: the outcome radios point at 请选择访问结果
        html = self.client.post(url, {"version": respondent.version, "comment": ""}).content.decode()
        self.assert_linked(html, "id_outcome_0", "")
        self.assertIn('id="outcome-error" role="alert"', html)
        # reached with an answer no scale has (a crafted post): that question's radios point at its message
        question = survey.questions.order_by("order").first()
        html = self.client.post(url, {"outcome": "reached", "version": respondent.version, "comment": "",
                                      f"q{question.pk}": "9"}).content.decode()
        self.assert_linked(html, f"q{question.pk}-5", f"第{question.order}题“{question.text}”的回答无效。")
        self.assertEqual(by_id(html, f"q{question.pk}-5")[1]["aria-describedby"], f"q{question.pk}-error")
        other = survey.questions.order_by("order")[1]
        self.assertNotIn("aria-invalid", by_id(html, f"q{other.pk}-5")[1])


class LoginErrorTests(TestCase):
    """The login form (novalidate) showed nothing at all when a field was left empty; a wrong password's message was
    not linked to the fields."""

    def test_an_empty_field_is_marked_and_points_at_its_message(self):
        html = self.client.post(reverse("login"), {"username": "", "password": ""}).content.decode()
        LinkedErrorTests.assert_linked(self, html, "id_username", "该字段是必填项。")
        LinkedErrorTests.assert_linked(self, html, "id_password", "该字段是必填项。")
        self.assertEqual(by_id(html, "id_username")[1]["aria-describedby"], "id_username_error")

    def test_a_wrong_password_marks_both_fields_and_points_them_at_the_message(self):
        build_world(n_areas=1)
        html = self.client.post(reverse("login"), {"username": "street_xc", "password": "wrong-1"}).content.decode()
        for field in ("id_username", "id_password"):
            LinkedErrorTests.assert_linked(self, html, field, "请输入一个正确的用户名和密码。")
            self.assertEqual(by_id(html, field)[1]["aria-describedby"], "login_error")
        # before any attempt nothing is marked
        self.assertNotIn("aria-invalid", self.client.get(reverse("login")).content.decode())

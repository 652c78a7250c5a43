"""No 500, ever: PostgreSQL refuses a NUL character in text, so a request that carries one (in the query string, a form
field or a JSON body) is answered 400 with a Chinese message before any view reads it, and nothing is saved; on SQLite
alike (evalportal.middleware.RejectNulMiddleware)."""

import json

from django.test import RequestFactory, SimpleTestCase, TestCase

from evalportal.middleware import NUL_REASON, RejectNulMiddleware
from stations.models import QuarterSubmission
from tests.indicators.factories import build_world


class NulCharacterTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)
        cls.submission = QuarterSubmission.objects.create(contract=cls.w.contract, year=2025, quarter=1,
                                                          status="submitted")

    def test_query_string(self):
        self.client.force_login(self.w.users["street_xc"])
        response = self.client.get(f"/contracts/{self.w.contract.code}/staff/import/", {"token": "a\x00b"})
        self.assertContains(response, NUL_REASON, status_code=400)
        self.assertContains(response, "请求无效", status_code=400)
        self.assertContains(response, "返回首页", status_code=400)

    def test_form_field_saves_nothing(self):
        self.client.force_login(self.w.users["bureau_lw"])
        response = self.client.post(f"/contracts/{self.w.contract.code}/quarters/2025-Q1/return/",
                                    {"reason": "数据有误\x00"})
        self.assertContains(response, NUL_REASON, status_code=400)
        self.submission.refresh_from_db()
        self.assertEqual(self.submission.status, "submitted")
        self.assertEqual(self.submission.return_reason, "")

    def test_json_body_of_the_api(self):
        self.client.force_login(self.w.users["street_xc"])
        body = json.dumps({"cells": [{"area": None, "indicator": "x\x00", "month": "2025-01", "value": "1"}]})
        response = self.client.put(f"/api/v1/contracts/{self.w.contract.code}/quarters/2025-Q1/actuals/", body,
                                   content_type="application/json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response["Content-Type"], "application/problem+json")
        self.assertEqual(response.json(), {"type": "about:blank", "title": "请求有误", "status": 400, "detail": NUL_REASON})

    def test_ordinary_text_passes(self):
        self.client.force_login(self.w.users["bureau_lw"])
        response = self.client.post(f"/contracts/{self.w.contract.code}/quarters/2025-Q1/return/",
                                    {"reason": "数据有误，请核对 0 与 \\x00 的写法"})
        self.assertEqual(response.status_code, 302)
        self.submission.refresh_from_db()
        self.assertEqual(self.submission.status, "returned")


class JsonNulDetectionTests(SimpleTestCase):
    """A JSON body holds a NUL only where the escape \\u0000 is its own (after an even number of backslashes): the
    text `\\u0000` written out (an escaped backslash, then "u0000") is ordinary text and passes."""

    def holds_nul(self, value) -> bool:
        request = RequestFactory().put("/api/v1/x/", json.dumps({"text": value}), content_type="application/json")
        return RejectNulMiddleware._holds_nul(request)

    def test_escaped_nul_is_refused_and_the_written_out_escape_passes(self):
        cases = [("a\x00b", True), ("\x00", True), ("\\\x00", True), ("\\\\\x00", True),
                 ("\\u0000", False), ("\\\\u0000", False), ("a\\u0000b\\", False), ("u0000", False),
                 ("普通文字", False)]
        for value, refused in cases:
            with self.subTest(value=value):
                self.assertEqual(self.holds_nul(value), refused)

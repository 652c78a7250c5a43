"""No 500, ever: an id in a URL or a form beyond what a database column holds (a hand-edited link, a fuzzer) gets "no
such row", not a database error. SQLite raises OverflowError for a foreign-key or IN lookup past 2⁶³ − 1 (Django bounds
only `pk=`); found by the API's schema fuzzing (`?district=<huge>&street=1`) and then on every page with a filter."""

from django.test import TestCase

from evalportal.listing import MAX_ID, parse_id, parse_number
from indicators.approval import parse_seen
from stations.models import QuarterSubmission
from tests.indicators.factories import build_world

HUGE = "99999999999999999999"  # > 2⁶³ − 1
TOO_BIG = str(MAX_ID + 1)


class ParseIdTests(TestCase):
    def test_ids(self):
        self.assertEqual(parse_id("42"), 42)
        self.assertEqual(parse_id(" 42 "), 42)
        self.assertEqual(parse_id(str(MAX_ID)), MAX_ID)
        for text in (TOO_BIG, HUGE, "0", "-1", "1.5", "１", "", None, "4 2", "0x10"):
            with self.subTest(text=text):
                self.assertIsNone(parse_id(text))
        self.assertEqual(parse_number("0"), 0)
        self.assertIsNone(parse_number(TOO_BIG))

    def test_bulk_form_values(self):
        self.assertEqual(parse_seen(["1", "2:0", "3:5", "x", "4:x", HUGE, f"5:{HUGE}", " 6 : 7 ", "7:-1"]),
                         {1: None, 2: 0, 3: 5, 6: 7})


class OutOfRangeIdTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)

    def get(self, user: str, url: str):
        self.client.force_login(self.w.users[user])
        return self.client.get(url)

    def test_filters_of_every_list(self):
        cases = [
            ("supervision", f"/contracts/?district={HUGE}", 200, "选择一个有效的选项"),
            ("supervision", f"/contracts/?district={TOO_BIG}&street=1", 200, "选择一个有效的选项"),
            ("supervision", f"/contracts/?district=1&street={HUGE}", 200, "没有名称或代码为"),
            ("supervision", f"/evaluations/?district={HUGE}", 200, "选择一个有效的选项"),
            ("supervision", f"/reports/?district={HUGE}", 200, "选择一个有效的选项"),
            ("bureau_lw", f"/oversight/submissions/?district={HUGE}", 200, "选择一个有效的选项"),
            ("supervision", f"/oversight/dashboard/?district={HUGE}", 404, None),
            ("supervision", f"/api/v1/contracts/?district={HUGE}&street=1", 400, None),
            ("supervision", f"/api/v1/evaluations/?district={HUGE}&street=1", 400, None),
            ("supervision", f"/api/v1/stations/?district={HUGE}&street=1", 400, None),
        ]
        for user, url, status, text in cases:
            with self.subTest(url=url):
                response = self.get(user, url)
                self.assertEqual(response.status_code, status)
                if text:
                    self.assertContains(response, text)

    def test_quarter_history_filters(self):
        base = f"/contracts/{self.w.contract.code}/quarters/2025-Q1/audit/"
        for query in (f"area={HUGE}", f"indicator={HUGE}", f"month={HUGE}-1", "month=2025-13", "area=１", "area=-1"):
            with self.subTest(query=query):
                self.assertEqual(self.get("street_xc", f"{base}?{query}").status_code, 404)
        self.assertEqual(self.get("street_xc", f"{base}?area=0&month=2025-1").status_code, 200)

    def test_bulk_approval_ignores_them(self):
        submission = QuarterSubmission.objects.create(contract=self.w.contract, year=2025, quarter=1, status="submitted")
        self.client.force_login(self.w.users["bureau_lw"])
        response = self.client.post("/oversight/submissions/bulk/", {"action": "approve", "sub": [HUGE, f"{HUGE}:1"]})
        self.assertEqual(response.status_code, 302)
        messages = [str(m) for m in response.wsgi_request._messages]
        self.assertEqual(messages, ["请至少选择一个季度。"])
        submission.refresh_from_db()
        self.assertEqual(submission.status, "submitted")

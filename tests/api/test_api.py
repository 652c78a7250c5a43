"""Issue 12: the HTTP API behaves like the browser — scope (404 outside the caller's organisation), tokens, writes
through the same services with versions, locks and audit (source API), problem+json errors, ETags, 429, and the
附件1 JSON equal to the Excel export."""

from __future__ import annotations

import io
from decimal import Decimal

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from api.models import ApiToken
from api.tokens import api_token_create
from demo.loader import demo_load
from indicators.excel import completion_workbook
from indicators.models import MonthlyActual
from indicators.selectors import indicator_completion_table
from stations.models import AuditEntry, Contract, User

ROLES = ["street_xicun", "street_jingtai", "bureau_liwan", "supervision_gz", "evaluator_gzswa", "admin"]


class ApiTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()
        cls.users = {u.username: u for u in User.objects.filter(username__in=ROLES)}
        cls.contract = Contract.objects.get(code="xicun-2024")

    def client_for(self, username: str, *, read_only: bool = False) -> APIClient:
        _, key = api_token_create(user=self.users[username], name="测试", days=30,
                                  read_only=read_only if username in ("street_xicun", "street_jingtai") else True)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client


class ScopeTests(ApiTestCase):
    def test_anonymous_gets_401_problem(self):
        response = APIClient().get(reverse("api_contracts"))
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response["Content-Type"], "application/problem+json")
        self.assertIn("接口令牌", response.json()["detail"])

    def test_each_role_sees_only_its_contracts_and_404_for_others(self):
        expected = {"street_xicun": 200, "street_jingtai": 404, "bureau_liwan": 200, "supervision_gz": 200,
                    # 回避 per evaluation: the evaluator's declared mid-term is finalised, the final awaits its
                    # declaration, so it sees nothing of the station (issue 9 §5)
                    "evaluator_gzswa": 404, "admin": 200}
        for username, status in expected.items():
            with self.subTest(username=username):
                client = self.client_for(username)
                for name in ("api_contract", "api_completion"):
                    self.assertEqual(client.get(reverse(name, args=["xicun-2024"])).status_code, status)
                self.assertEqual(
                    client.get(reverse("api_quarter_actuals", args=["xicun-2024", "2025-Q2"])).status_code, status
                )
                codes = {c["code"] for c in client.get(reverse("api_contracts")).json()["results"]}
                self.assertEqual("xicun-2024" in codes, status == 200)

    def test_an_unknown_token_is_refused(self):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Token ep_deadbeef_nothing")
        response = client.get(reverse("api_contracts"))
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["detail"], "令牌无效、已过期或已撤销。")

    def test_a_revoked_token_stops_working(self):
        token, key = api_token_create(user=self.users["bureau_liwan"], name="x", days=1, read_only=True)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        self.assertEqual(client.get(reverse("api_contracts")).status_code, 200)
        ApiToken.objects.filter(pk=token.pk).update(revoked_at="2026-01-01T00:00:00Z")
        self.assertEqual(client.get(reverse("api_contracts")).status_code, 401)

    def test_tokens_are_stored_hashed(self):
        token, key = api_token_create(user=self.users["bureau_liwan"], name="x", days=1, read_only=True)
        self.assertNotIn(key, {token.key_hash, token.prefix})
        self.assertTrue(key.startswith(f"ep_{token.prefix}_"))


class CompletionTests(ApiTestCase):
    def test_json_equals_the_excel_export_and_seed_001(self):
        client = self.client_for("bureau_liwan")
        data = client.get(reverse("api_completion", args=["xicun-2024"]), {"until": "2025-04-30"}).json()
        table = indicator_completion_table(self.contract, __import__("datetime").date(2025, 4, 30))
        sheet = load_workbook(io.BytesIO(completion_workbook(table))).active
        excel_numbers = {round(Decimal(str(c.value)) * 100, 2) for row in sheet.iter_rows() for c in row
                         if isinstance(c.value, int | float) and c.number_format.endswith("%")}
        api_rates = {Decimal(c["rate"]) for row in data["area_rows"] + [data["total_row"]] for c in row["cells"]
                     if c["rate"] is not None}
        self.assertTrue(api_rates <= excel_numbers, api_rates - excel_numbers)
        self.assertEqual(data["months"], 5)
        visits = next(c for c in data["total_row"]["cells"] if c["name"] == "入户探访")
        self.assertEqual((visits["target"], visits["actual"], visits["rate"]), ("1400", "1011", "72.21"))

    def test_every_number_equals_the_workbook_of_the_export_view_cell_by_cell(self):
        """附件1 from the browser's export view (indicators.views.indicator_export) against the JSON: each 片区 row, 合计
        and station-wide row, each indicator's 协议量 / 完成量 / 百分比, "/" where the JSON has null."""
        until = {"until": "2025-04-30"}
        data = self.client_for("bureau_liwan").get(reverse("api_completion", args=["xicun-2024"]), until).json()
        self.client.force_login(self.users["bureau_liwan"])
        export = self.client.get(reverse("indicator_export", args=["xicun-2024"]), until)
        self.assertEqual(export.status_code, 200)
        sheet = load_workbook(io.BytesIO(export.content)).active

        def number(value) -> Decimal | None:
            return None if value == "/" else Decimal(str(value))

        def expect(cell: dict) -> tuple:
            target, actual = (None if cell[k] is None else Decimal(cell[k]) for k in ("target", "actual"))
            return target, actual, None if cell["rate"] is None else Decimal(cell["rate"])

        def workbook_triple(row: int, col: int) -> tuple:
            target, actual, rate = (sheet.cell(row=row, column=col + i).value for i in range(3))
            rate = None if rate == "/" else (Decimal(str(rate)) * 100).quantize(Decimal("0.01"))
            return number(target), number(actual), rate

        compared = 0
        for offset, row in enumerate(data["area_rows"] + [data["total_row"]]):
            excel_row = 5 + offset  # title, period, two header rows
            self.assertEqual(sheet.cell(row=excel_row, column=1).value, row["area"])
            self.assertEqual(sheet.cell(row=excel_row, column=2).value, row["social_workers"])
            for i, cell in enumerate(row["cells"]):
                with self.subTest(area=row["area"], indicator=cell["indicator"]):
                    self.assertEqual(workbook_triple(excel_row, 3 + 3 * i), expect(cell))
                    compared += 1
            self.assertIsNone(sheet.cell(row=excel_row, column=3 + 3 * len(row["cells"])).value)
        first = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(row=r, column=1).value == "全站指标") + 2
        for offset, cell in enumerate(data["station"]):
            with self.subTest(station_indicator=cell["indicator"]):
                self.assertEqual(sheet.cell(row=first + offset, column=1).value, cell["name"])
                self.assertEqual(workbook_triple(first + offset, 3), expect(cell))
                compared += 1
        self.assertEqual(sheet.cell(row=first + len(data["station"]), column=1).value, None)
        self.assertEqual(compared, 4 * len(data["area_rows"][0]["cells"]) + len(data["station"]))

    def test_bad_date_is_a_400_problem_naming_the_field(self):
        response = self.client_for("bureau_liwan").get(reverse("api_completion", args=["xicun-2024"]), {"until": "x"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["errors"], {"until": ["日期格式不正确。"]})


class QuarterWriteTests(ApiTestCase):
    url = staticmethod(lambda: reverse("api_quarter_actuals", args=["xicun-2024", "2025-Q2"]))

    def first_cell(self, client) -> dict:
        cells = client.get(self.url()).json()["cells"]
        # May: April lies in the finalised xicun-2024-mid's 考核期 (to 2025-04-30) and is read-only
        return next(c for c in cells if c["month"] == "2025-05" and c["editable"])

    def test_street_office_saves_with_the_version_and_the_audit_says_api(self):
        client = self.client_for("street_xicun")
        cell = self.first_cell(client)
        body = {"cells": [{**{k: cell[k] for k in ("area", "indicator", "month", "version")}, "value": "321"}]}
        response = client.put(self.url(), body, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["updated"] + response.json()["created"], 1)
        entry = AuditEntry.objects.filter(subject="actual").latest("at")
        self.assertEqual((entry.new_value, entry.source), ("321", "API"))
        # the same request again changes nothing and is not a conflict
        again = client.put(self.url(), body, format="json")
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["updated"] + again.json()["created"], 0)

    def test_a_stale_version_is_409_with_the_current_values(self):
        client = self.client_for("street_xicun")
        cell = self.first_cell(client)
        base = {k: cell[k] for k in ("area", "indicator", "month")}
        client.put(self.url(), {"cells": [{**base, "value": "5", "version": cell["version"]}]}, format="json")
        response = client.put(self.url(), {"cells": [{**base, "value": "6", "version": cell["version"]}]},
                              format="json")
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response["Content-Type"], "application/problem+json")
        self.assertIn("其他人在您打开本页后修改了 1 个单元格", response.json()["detail"])
        current = next(c for c in response.json()["current"] if all(c[k] == base[k] for k in base))
        self.assertEqual(current["value"], "5")

    def test_invalid_values_name_the_cell_and_save_nothing(self):
        client = self.client_for("street_xicun")
        cell = self.first_cell(client)
        body = {"cells": [{"area": cell["area"], "indicator": "nope", "month": "2025-05", "value": "1", "version": 0}]}
        response = client.put(self.url(), body, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["errors"], {"cells[0]": ["未知指标“nope”。"]})

    def test_read_only_token_and_reading_roles_cannot_write(self):
        for client in (self.client_for("street_xicun", read_only=True), self.client_for("bureau_liwan")):
            response = client.put(self.url(), {"cells": []}, format="json")
            self.assertEqual(response.status_code, 403)
        self.assertEqual(self.client_for("street_jingtai").put(self.url(), {"cells": []}, format="json").status_code,
                         404)

    def test_a_submitted_quarter_refuses_with_the_browser_message(self):
        client = self.client_for("street_xicun")
        url = reverse("api_quarter_actuals", args=["xicun-2024", "2025-Q1"])
        cells = client.get(url).json()["cells"]
        cell = next(c for c in cells if c["month"] == "2025-01")
        self.assertFalse(cell["editable"])
        before = list(MonthlyActual.objects.order_by("pk").values_list("value", "version"))
        response = client.put(url, {"cells": [{**{k: cell[k] for k in ("area", "indicator", "month", "version")},
                                               "value": "999"}]}, format="json")
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["detail"], "2025年第一季度已提交，不能修改；如需修改，请联系区民政局退回。")
        self.assertEqual(list(MonthlyActual.objects.order_by("pk").values_list("value", "version")), before)

    def test_a_month_in_a_finalised_evaluation_period_refuses_with_its_message(self):
        """The API writes through the browser's services, so it inherits evalportal.locks: April 2025 is in the
        finalised xicun-2024-mid's 考核期 although Q2 is open; nothing is saved."""
        client = self.client_for("street_xicun")
        cells = client.get(self.url()).json()["cells"]
        cell = next(c for c in cells if c["month"] == "2025-04" and c["area"] is not None)
        self.assertFalse(cell["editable"])
        self.assertIn("xicun-2024-mid", cell["lock_reason"])
        before = list(MonthlyActual.objects.order_by("pk").values_list("value", "version"))
        response = client.put(self.url(), {"cells": [{**{k: cell[k] for k in ("area", "indicator", "month", "version")},
                                                      "value": "999"}]}, format="json")
        self.assertEqual(response.status_code, 409)
        self.assertIn("该数据属于已定稿的评估", response.json()["detail"])
        self.assertIn("xicun-2024-mid", response.json()["detail"])
        self.assertEqual(list(MonthlyActual.objects.order_by("pk").values_list("value", "version")), before)


class ConventionTests(ApiTestCase):
    def test_etag_and_304(self):
        client = self.client_for("bureau_liwan")
        first = client.get(reverse("api_contract", args=["xicun-2024"]))
        self.assertIn("ETag", first)
        again = client.get(reverse("api_contract", args=["xicun-2024"]), HTTP_IF_NONE_MATCH=first["ETag"])
        self.assertEqual(again.status_code, 304)

    def test_cursor_pagination(self):
        body = self.client_for("admin").get(reverse("api_stations"), {"page_size": 1}).json()
        self.assertEqual(len(body["results"]), 1)
        self.assertIn("cursor=", body["next"])

    def test_rate_limit_answers_429_with_retry_after(self):
        from unittest import mock

        from rest_framework import throttling

        with mock.patch.object(throttling.UserRateThrottle, "THROTTLE_RATES", {"user": "2/min", "token": "10/min"}):
            client = self.client_for("bureau_liwan")
            statuses = [client.get(reverse("api_districts")).status_code for _ in range(3)]
            self.assertEqual(statuses, [200, 200, 429])
            response = client.get(reverse("api_districts"))
            self.assertIn("Retry-After", response)
            self.assertEqual(response["Content-Type"], "application/problem+json")

    def test_schema_and_docs_are_served_locally(self):
        client = self.client_for("bureau_liwan")
        schema = client.get(reverse("api_schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
        self.assertEqual(schema.status_code, 200)
        self.client.force_login(self.users["bureau_liwan"])
        docs = self.client.get(reverse("api_docs")).content.decode()
        self.assertNotIn("cdn.jsdelivr", docs)
        self.assertIn("/static/drf_spectacular_sidecar/", docs)


class TokenPageTests(ApiTestCase):
    def test_create_shows_the_token_once_and_revoke(self):
        self.client.force_login(self.users["street_xicun"])
        page = self.client.post(reverse("api_tokens"), {"name": "个案系统", "days": "30", "read_only": ""})
        key = page.context["created_key"]
        self.assertContains(page, key)
        token = ApiToken.objects.get(user=self.users["street_xicun"])
        self.assertFalse(token.read_only)
        self.assertNotContains(self.client.get(reverse("api_tokens")), key)
        self.client.post(reverse("api_token_revoke", args=[token.pk]))
        token.refresh_from_db()
        self.assertIsNotNone(token.revoked_at)

    def test_a_reading_role_gets_only_read_only_tokens(self):
        self.client.force_login(self.users["bureau_liwan"])
        page = self.client.post(reverse("api_tokens"), {"name": "x", "days": "30", "read_only": ""})
        self.assertContains(page, "您的角色只能读取数据，只能创建只读令牌。")

    def test_another_users_token_cannot_be_revoked(self):
        token, _ = api_token_create(user=self.users["street_xicun"], name="x", days=1, read_only=True)
        self.client.force_login(self.users["street_jingtai"])
        self.assertEqual(self.client.post(reverse("api_token_revoke", args=[token.pk])).status_code, 404)


class TokenEndpointTests(ApiTestCase):
    def test_password_gives_a_token_once_and_it_works(self):
        cache.clear()
        response = APIClient().post(reverse("api_token_create"), {
            "username": "street_xicun", "password": "evalportal-demo", "name": "个案系统", "days": 7, "read_only": False,
        }, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
        self.assertEqual(client.get(reverse("api_contract", args=["xicun-2024"])).status_code, 200)

    def test_a_locked_account_is_a_429_problem_with_the_lockout_message(self):
        cache.clear()
        statuses = []
        for _ in range(6):
            response = APIClient().post(reverse("api_token_create"), {
                "username": "street_jingtai", "password": "wrong", "name": "x"}, format="json")
            statuses.append(response.status_code)
            self.assertEqual(response["Content-Type"], "application/problem+json")
        self.assertEqual(statuses, [401, 401, 401, 401, 429, 429])
        self.assertIn("登录失败次数过多，账户已锁定至", response.json()["detail"])
        self.assertGreater(int(response["Retry-After"]), 800)
        self.assertFalse(ApiToken.objects.exists())

    def test_a_wrong_password_is_a_401_problem(self):
        cache.clear()
        response = APIClient().post(reverse("api_token_create"), {
            "username": "street_xicun", "password": "wrong", "name": "x"}, format="json")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["detail"], "用户名或密码不正确，或账户已锁定。")
        self.assertFalse(ApiToken.objects.exists())

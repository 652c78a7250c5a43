"""Issue 12 tests: the browser's permission matrix repeated for the API — every endpoint × role × own / same-district /
other-district object (outside the caller's scope → 404 problem+json, never a 403 that would reveal the object);
writes by roles that may read but not write → 403; the browser's filters on the lists; party scores and totals only
where the browser shows them (reports.permissions); archived reports with their SHA-256 only where the browser lets
the user download them; locks refuse API writes with the browser's message (409); API writes in 修改记录 with source
API; query counts that do not grow with stations and 片区."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from unittest import mock

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api.tokens import api_token_create
from indicators.models import MonthlyActual, Target
from reports.models import ArchivedReport, Evaluation, EvaluationAssignment, PartyScore, PerformanceEvaluation
from stations.models import (
    AuditEntry,
    Organisation,
    QuarterSubmission,
    ServiceArea,
    StaffMember,
    StaffMonth,
    Street,
)
from tests.indicators.factories import build_world
from tests.oversight import test_query_counts as oversight_counts

ROLES = ["street_xc", "street_jt", "bureau_lw", "bureau_by", "supervision", "evaluator", "evaluator_none", "admin"]
# which contracts each role sees: own = 西村 xi-2024 (荔湾), same = 逢源 fe-2024 (荔湾), other = 景泰 ji-2024 (白云)
VISIBLE = {
    "street_xc": {"own"}, "street_jt": {"other"}, "bureau_lw": {"own", "same"}, "bureau_by": {"other"},
    "supervision": {"own", "same", "other"},
    "evaluator": {"own"},  # assigned to xc-2024-mid (进行中), no conflict declared
    "evaluator_none": set(), "admin": {"own", "same", "other"},
}
EDITABLE = {"street_xc": {"own"}, "street_jt": {"other"}, "admin": {"own", "same", "other"}}
QUARTER = "2025-Q2"


def contract_urls(code: str) -> dict[str, str]:
    return {
        "api_contract": reverse("api_contract", args=[code]),
        "api_completion": reverse("api_completion", args=[code]),
        "api_quarter_actuals": reverse("api_quarter_actuals", args=[code, QUARTER]),
        "api_staff": reverse("api_staff", args=[code]),
        "api_staff_quarter": reverse("api_staff_quarter", args=[code, QUARTER]),
    }


class MatrixBase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=2)
        cls.contracts = {"own": cls.w.contract, "same": cls.w.same_district, "other": cls.w.other_district}
        for contract in cls.contracts.values():
            StaffMember.objects.create(contract=contract, order=1, name=f"{contract.code}社工", position="area_worker",
                                       certificate="assistant", joined_on=date(2024, 12, 11))
        agency = cls.w.evaluation.agency
        cls.foreign_evaluations = {
            key: Evaluation.objects.create(
                code=f"{c.code}-mid", contract=c, kind="midterm", date=date(2025, 5, 20), period_start=c.start_date,
                period_end=date(2025, 4, 30), agency=agency,
            ) for key, c in (("same", cls.w.same_district), ("other", cls.w.other_district))
        }
        # 景泰's mid-term is finalised and archived (signed report version 1)
        jt = cls.foreign_evaluations["other"]
        Evaluation.objects.filter(pk=jt.pk).update(status="finalised", total_score=Decimal("89.08"), grade="good")
        cls.archive = ArchivedReport.objects.create(
            kind="evaluation", evaluation=jt, code=jt.code, version=1, title="景泰中期评估报告",
            verification_code="7KQ2-M9XD-4HTP", html="<p></p>", data={}, created_at=timezone.now(),
            sha256="ab" * 32, size=1234, file="reports/archive/2025/jt.pdf",
        )

    def api(self, role: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(self.w.users[role])
        return client


class ReadMatrixTests(MatrixBase):
    def test_every_contract_endpoint_answers_200_in_scope_and_404_outside(self):
        for role in ROLES:
            client = self.api(role)
            for which, contract in self.contracts.items():
                for name, url in contract_urls(contract.code).items():
                    with self.subTest(role=role, which=which, endpoint=name):
                        response = client.get(url)
                        if which in VISIBLE[role]:
                            self.assertEqual(response.status_code, 200, response.content[:300])
                        else:
                            self.assertEqual(response.status_code, 404)
                            self.assertEqual(response["Content-Type"], "application/problem+json")
                            self.assertEqual(response.json()["detail"], "对象不存在或无权查看。")

    def test_an_unknown_contract_and_a_foreign_one_answer_the_same(self):
        client = self.api("street_xc")
        foreign = client.get(reverse("api_contract", args=["ji-2024"]))
        missing = client.get(reverse("api_contract", args=["no-such-contract"]))
        self.assertEqual((foreign.status_code, foreign.json()), (missing.status_code, missing.json()))

    def test_lists_hold_exactly_the_objects_in_scope(self):
        codes = {"own": "xi-2024", "same": "fe-2024", "other": "ji-2024"}
        stations = {"own": "xicun", "same": "fengyuan", "other": "jingtai"}
        for role in ROLES:
            client = self.api(role)
            with self.subTest(role=role):
                contracts = {c["code"] for c in client.get(reverse("api_contracts")).json()["results"]}
                self.assertEqual(contracts, {codes[k] for k in VISIBLE[role]})
                found = {c["code"] for c in client.get(reverse("api_stations")).json()["results"]}
                if role not in ("admin", "supervision", "evaluator"):
                    self.assertEqual(found, {stations[k] for k in VISIBLE[role]})
                districts = {d["code"] for d in client.get(reverse("api_districts")).json()["results"]}
                streets = {s["code"] for s in client.get(reverse("api_streets")).json()["results"]}
                if role in ("street_xc", "bureau_lw"):
                    self.assertEqual(districts, {"liwan"})
                if role in ("street_jt", "bureau_by"):
                    self.assertEqual(districts, {"baiyun"})
                if role == "street_xc":
                    self.assertEqual(len(streets), 1)
                if role == "evaluator_none":
                    self.assertEqual((districts, streets, found), (set(), set(), set()))

    def test_evaluations_and_reports_follow_the_browser_scope(self):
        expected = {
            "street_xc": ({"xc-2024-mid"}, {"xc-2024-mid"}),
            "street_jt": ({"ji-2024-mid"}, {"ji-2024-mid"}),
            "bureau_lw": ({"xc-2024-mid", "fe-2024-mid"}, {"xc-2024-mid", "fe-2024-mid"}),
            "bureau_by": ({"ji-2024-mid"}, {"ji-2024-mid"}),
            "evaluator": ({"xc-2024-mid"}, {"xc-2024-mid"}),
            "evaluator_none": (set(), set()),
            "supervision": ({"xc-2024-mid", "fe-2024-mid", "ji-2024-mid"},) * 2,
            "admin": ({"xc-2024-mid", "fe-2024-mid", "ji-2024-mid"},) * 2,
        }
        for role, (evaluations, reports) in expected.items():
            client = self.api(role)
            with self.subTest(role=role):
                self.assertEqual({e["code"] for e in client.get(reverse("api_evaluations")).json()["results"]},
                                 evaluations)
                self.assertEqual({r["evaluation"] for r in client.get(reverse("api_reports")).json()["results"]},
                                 reports)


class WriteMatrixTests(MatrixBase):
    def test_writes_are_404_outside_403_for_readers_and_allowed_for_the_buyer(self):
        for role in ROLES:
            client = self.api(role)
            for which, contract in self.contracts.items():
                put = reverse("api_quarter_actuals", args=[contract.code, QUARTER])
                submit = reverse("api_quarter_submit", args=[contract.code, QUARTER])
                with self.subTest(role=role, which=which):
                    saved = client.put(put, {"cells": []}, format="json")
                    submitted = client.post(submit, {}, format="json")  # no version: a 400 for an editor
                    if which not in VISIBLE[role] and which not in EDITABLE.get(role, set()):
                        self.assertEqual((saved.status_code, submitted.status_code), (404, 404))
                        self.assertEqual(saved.json()["detail"], "对象不存在或无权查看。")
                    elif which in EDITABLE.get(role, set()):
                        self.assertEqual((saved.status_code, submitted.status_code), (200, 400))
                        self.assertEqual(submitted.json()["errors"], {"version": ["该字段是必填项。"]})
                    else:
                        self.assertEqual((saved.status_code, submitted.status_code), (403, 403))
                        self.assertEqual(saved["Content-Type"], "application/problem+json")
                        self.assertEqual(saved.json()["detail"], "无权限修改本协议的数据。")
                        self.assertEqual(submitted.json()["detail"], "无权限提交本协议的数据。")
        self.assertFalse(QuarterSubmission.objects.filter(status="submitted").exists())
        self.assertFalse(AuditEntry.objects.exists())

    def test_a_read_only_token_is_refused_alike_for_every_object(self):
        _, key = api_token_create(user=self.w.users["street_xc"], name="只读", days=1, read_only=True)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        answers = {client.put(reverse("api_quarter_actuals", args=[code, QUARTER]), {"cells": []},
                              format="json").content for code in ("xi-2024", "ji-2024", "no-such-contract")}
        self.assertEqual(len(answers), 1)
        self.assertIn("只读令牌不能修改数据。", answers.pop().decode())


class VisibilityOfScoresTests(MatrixBase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        ev = cls.w.evaluation  # xc-2024-mid, 进行中
        PartyScore.objects.bulk_create([
            PartyScore(evaluation=ev, party="buyer", weight=Decimal(20), points=Decimal("20.00"), status="submitted"),
            PartyScore(evaluation=ev, party="supervisor", weight=Decimal(10), points=Decimal("8.30"), status="draft"),
            PartyScore(evaluation=ev, party="supervision", weight=Decimal(15), status="draft"),
            PartyScore(evaluation=ev, party="third_party", weight=Decimal(55), points=Decimal("46.98"),
                       status="draft"),
        ])

    def parties(self, role: str, code: str = "xc-2024-mid") -> dict:
        rows = self.api(role).get(reverse("api_evaluations")).json()["results"]
        evaluation = next(e for e in rows if e["code"] == code)
        return {p["party"]: p["points"] for p in evaluation["parties"]}, evaluation

    def test_a_draft_score_is_its_own_partys_until_submitted(self):
        expected = {
            "street_xc": {"buyer": "20.00", "supervisor": None, "supervision": None, "third_party": None},
            "bureau_lw": {"buyer": "20.00", "supervisor": "8.30", "supervision": None, "third_party": None},
            "evaluator": {"buyer": "20.00", "supervisor": None, "supervision": None, "third_party": "46.98"},
            "supervision": {"buyer": "20.00", "supervisor": None, "supervision": None, "third_party": None},
            "admin": {"buyer": "20.00", "supervisor": "8.30", "supervision": None, "third_party": "46.98"},
        }
        for role, points in expected.items():
            with self.subTest(role=role):
                parties, evaluation = self.parties(role)
                self.assertEqual(parties, points)
                self.assertEqual((evaluation["total_score"], evaluation["grade"]), (None, ""))

    def test_a_finalised_evaluation_shows_its_total_and_grade(self):
        _, evaluation = self.parties("bureau_by", "ji-2024-mid")
        self.assertEqual((evaluation["status"], evaluation["total_score"], evaluation["grade"]),
                         ("finalised", "89.08", "good"))

    def test_an_evaluator_before_declaring_sees_only_the_state(self):
        EvaluationAssignment.objects.filter(evaluation=self.w.evaluation).update(declaration="pending")
        parties, evaluation = self.parties("evaluator")
        self.assertTrue(evaluation["declaration_pending"])
        self.assertEqual(set(parties.values()), {None})
        self.assertIsNone(evaluation["report_url"])
        self.assertEqual(self.api("evaluator").get(reverse("api_reports")).json()["results"], [])

    def test_archived_report_link_and_hash_only_where_the_browser_lets_download(self):
        for role in ("bureau_by", "street_jt", "supervision", "admin"):
            with self.subTest(role=role):
                rows = self.api(role).get(reverse("api_reports")).json()["results"]
                report = next(r for r in rows if r["evaluation"] == "ji-2024-mid")
                self.assertEqual(len(report["archives"]), 1)
                archive = report["archives"][0]
                self.assertEqual((archive["version"], archive["sha256"], archive["verification_code"],
                                  archive["superseded_by_version"]), (1, "ab" * 32, "7KQ2-M9XD-4HTP", None))
                self.assertTrue(archive["pdf_url"].endswith("/reports/archive/evaluation/ji-2024-mid/v1.pdf"))
        for role in ("bureau_lw", "street_xc", "evaluator"):
            with self.subTest(role=role):
                body = self.api(role).get(reverse("api_reports")).content.decode()
                self.assertNotIn("ab" * 32, body)
                self.assertNotIn("ji-2024-mid", body)


def performance(code: str, office: Organisation, *, year: int, published: bool = False,
                contract=None) -> PerformanceEvaluation:
    return PerformanceEvaluation.objects.create(
        code=code, title=f"{office.short_name or office.name}{year}年度社工服务站项目绩效评价报告", year=year,
        department=office, contract=contract, status="published" if published else "draft",
        published_at=datetime(year + 1, 3, 2, 10, 0, tzinfo=timezone.get_current_timezone()) if published else None,
    )


def archive(pe: PerformanceEvaluation, version: int, verification_code: str, sha256: str = "") -> ArchivedReport:
    return ArchivedReport.objects.create(
        kind="performance", performance_evaluation=pe, code=pe.code, version=version, title=pe.title,
        verification_code=verification_code, html="<p></p>", data={}, created_at=timezone.now(), sha256=sha256,
        size=2048 if sha256 else None, file=f"reports/archive/2026/{pe.code}-v{version}.pdf" if sha256 else "",
    )


# 绩效评价 of each street office: 西村 published (v1 superseded by v2), 逢源 draft, 景泰 published (PDF not yet made)
PERFORMANCE_VISIBLE = {
    "street_xc": {"xc-pe-2025"}, "street_jt": {"jt-pe-2024"}, "bureau_lw": {"xc-pe-2025", "fy-pe-2025"},
    "bureau_by": {"jt-pe-2024"}, "supervision": {"xc-pe-2025", "fy-pe-2025", "jt-pe-2024"},
    "evaluator": set(), "evaluator_none": set(), "admin": {"xc-pe-2025", "fy-pe-2025", "jt-pe-2024"},
}


class PerformanceReportTests(MatrixBase):
    """绩效评价 reports: what the browser's 报告下载 page lists and lets download (reports.pdf_views), with each
    archived version's link, SHA-256 and verification code; 404 outside the caller's scope."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        offices = {o.street.code: o for o in Organisation.objects.filter(kind="street").select_related("street")}
        xc = performance("xc-pe-2025", offices["xicun"], year=2025, published=True, contract=cls.w.contract)
        old = archive(xc, 1, "AAAA-BBBB-CCC1", "11" * 32)
        new = archive(xc, 2, "AAAA-BBBB-CCC2", "22" * 32)
        ArchivedReport.objects.filter(pk=old.pk).update(superseded_by=new)
        performance("fy-pe-2025", offices["fengyuan"], year=2025)
        jt = performance("jt-pe-2024", offices["jingtai"], year=2024, published=True)
        archive(jt, 1, "JJJJ-TTTT-0001")

    def test_the_list_holds_what_the_browser_lets_download(self):
        for role in ROLES:
            with self.subTest(role=role):
                response = self.api(role).get(reverse("api_performance_reports"))
                self.assertEqual(response.status_code, 200)
                self.assertEqual({r["code"] for r in response.json()["results"]}, PERFORMANCE_VISIBLE[role])
                # the browser's report page lists the same ones (all years)
                self.client.force_login(self.w.users[role])
                page = self.client.get(reverse("report_list"), {"year": ""})
                self.assertEqual({p.code for p in page.context["performance_page"].object_list},
                                 PERFORMANCE_VISIBLE[role])

    def test_a_report_outside_the_scope_answers_404_like_one_that_does_not_exist(self):
        for role in ROLES:
            client = self.api(role)
            missing = client.get(reverse("api_performance_report", args=["no-such-report"]))
            for code in ("xc-pe-2025", "fy-pe-2025", "jt-pe-2024"):
                with self.subTest(role=role, code=code):
                    response = client.get(reverse("api_performance_report", args=[code]))
                    if code in PERFORMANCE_VISIBLE[role]:
                        self.assertEqual(response.status_code, 200)
                        self.assertEqual(response.json()["code"], code)
                    else:
                        self.assertEqual(response.status_code, 404)
                        self.assertEqual(response["Content-Type"], "application/problem+json")
                        self.assertEqual(response.json(), missing.json())
                        self.assertEqual(response.json()["detail"], "对象不存在或无权查看。")
                        # and the browser's download refuses it the same way
                        self.client.force_login(self.w.users[role])
                        self.assertEqual(self.client.get(reverse("report_performance_pdf", args=[code])).status_code,
                                         404)

    def test_archived_versions_with_link_hash_and_verification_code(self):
        body = self.api("street_xc").get(reverse("api_performance_report", args=["xc-pe-2025"])).json()
        self.assertEqual({k: body[k] for k in ("title", "year", "department", "district", "contract", "status")}, {
            "title": "西村街道办2025年度社工服务站项目绩效评价报告", "year": 2025, "department": "西村街道办事处",
            "district": "liwan", "contract": "xi-2024", "status": "published",
        })
        self.assertEqual(datetime.fromisoformat(body["published_at"]),
                         datetime(2026, 3, 2, 10, 0, tzinfo=timezone.get_current_timezone()))
        self.assertEqual(body["pdf_url"], "http://testserver/reports/performance/xc-pe-2025.pdf")
        self.assertEqual([(a["version"], a["verification_code"], a["sha256"], a["size"], a["superseded_by_version"],
                           a["pdf_url"]) for a in body["archives"]], [
            (2, "AAAA-BBBB-CCC2", "22" * 32, 2048, None,
             "http://testserver/reports/archive/performance/xc-pe-2025/v2.pdf"),
            (1, "AAAA-BBBB-CCC1", "11" * 32, 2048, 2,
             "http://testserver/reports/archive/performance/xc-pe-2025/v1.pdf"),
        ])
        jt = self.api("bureau_by").get(reverse("api_performance_report", args=["jt-pe-2024"])).json()
        self.assertEqual((jt["contract"], [(a["version"], a["sha256"], a["size"]) for a in jt["archives"]]),
                         (None, [(1, None, None)]))  # archived at publication, the PDF/A not made yet
        fy = self.api("bureau_lw").get(reverse("api_performance_report", args=["fy-pe-2025"])).json()
        self.assertEqual((fy["status"], fy["published_at"], fy["archives"]), ("draft", None, []))

    def test_hashes_and_codes_never_reach_a_caller_outside(self):
        for role in ("street_jt", "bureau_by", "evaluator", "evaluator_none"):
            with self.subTest(role=role):
                body = self.api(role).get(reverse("api_performance_reports")).content.decode()
                self.assertNotIn("22" * 32, body)
                self.assertNotIn("AAAA-BBBB", body)
                self.assertNotIn("xc-pe-2025", body)

    def test_filters_year_status_district_and_search(self):
        client = self.api("supervision")

        def codes(**params) -> list[str]:
            response = client.get(reverse("api_performance_reports"), params)
            self.assertEqual(response.status_code, 200, response.content[:300])
            return [r["code"] for r in response.json()["results"]]

        self.assertEqual(codes(), ["fy-pe-2025", "jt-pe-2024", "xc-pe-2025"])
        self.assertEqual(codes(year=2024), ["jt-pe-2024"])
        self.assertEqual(codes(status="draft"), ["fy-pe-2025"])
        self.assertEqual(codes(q="景泰"), ["jt-pe-2024"])
        liwan = self.w.contract.station.street.district_id
        self.assertEqual(codes(district=liwan), ["fy-pe-2025", "xc-pe-2025"])
        self.assertEqual(codes(year=2024, district=liwan), [])
        # the bureau of 荔湾 may not name 白云: the same 400 as a district that does not exist
        bureau = self.api("bureau_lw")
        foreign = bureau.get(reverse("api_performance_reports"), {"district": self.w.other_district.station.street
                                                                  .district_id})
        self.assertEqual(foreign.status_code, 400)
        self.assertEqual(foreign["Content-Type"], "application/problem+json")
        self.assertEqual(foreign.json(), bureau.get(reverse("api_performance_reports"), {"district": 99999}).json())
        self.assertEqual(client.get(reverse("api_performance_reports"), {"status": "nope"}).status_code, 400)


class FilterTests(MatrixBase):
    def test_the_browsers_filters_apply_and_reach_no_further_than_the_scope(self):
        client = self.api("bureau_lw")
        district = self.w.contract.station.street.district
        street = self.w.contract.station.street
        by_street = client.get(reverse("api_contracts"), {"street": street.pk}).json()["results"]
        self.assertEqual([c["code"] for c in by_street], ["xi-2024"])
        self.assertEqual([c["code"] for c in client.get(reverse("api_contracts"), {"q": "逢源"}).json()["results"]],
                         ["fe-2024"])
        self.assertEqual(len(client.get(reverse("api_contracts"), {"year": 2025, "district": district.pk})
                             .json()["results"]), 2)
        self.assertEqual(client.get(reverse("api_contracts"), {"year": 2020}).json()["results"], [])
        # another district's id is not a choice for this bureau: the same 400 as an id that does not exist
        foreign = client.get(reverse("api_contracts"), {"district": self.w.other_district.station.street.district_id})
        missing = client.get(reverse("api_contracts"), {"district": 99999})
        self.assertEqual(foreign.status_code, 400)
        self.assertEqual(foreign["Content-Type"], "application/problem+json")
        self.assertEqual(foreign.json(), missing.json())
        self.assertIn("district", foreign.json()["errors"])

    def test_evaluation_and_report_filters(self):
        client = self.api("supervision")
        finalised = client.get(reverse("api_evaluations"), {"status": "finalised"}).json()["results"]
        self.assertEqual([e["code"] for e in finalised], ["ji-2024-mid"])
        self.assertEqual([e["code"] for e in client.get(reverse("api_evaluations"), {"grade": "good"})
                          .json()["results"]], ["ji-2024-mid"])
        self.assertEqual([r["evaluation"] for r in client.get(reverse("api_reports"), {"q": "景泰"})
                          .json()["results"]], ["ji-2024-mid"])
        self.assertEqual(client.get(reverse("api_evaluations"), {"year": 2024}).json()["results"], [])
        self.assertEqual(client.get(reverse("api_evaluations"), {"status": "nope"}).status_code, 400)

    def test_the_year_filter_still_works_after_the_schema_was_generated(self):
        """drf-spectacular builds the year filter's form field on the class to read its choices; the per-request
        choices (evalportal.listing) must not be shadowed by that field."""
        client = self.api("bureau_lw")
        self.assertEqual(client.get(reverse("api_schema"), {"format": "json"}).status_code, 200)
        year = timezone.localdate().year
        self.assertEqual(client.get(reverse("api_contracts"), {"year": year}).status_code, 200)
        self.client.force_login(self.w.users["bureau_lw"])
        page = self.client.get(reverse("contract_list"), {"year": year})
        self.assertTrue(page.context["filter"].is_valid())

    def test_the_schema_lists_the_filter_parameters(self):
        schema = self.api("admin").get(reverse("api_schema"), {"format": "json"}).json()
        for path, names in {
            "/api/v1/contracts/": {"district", "street", "year", "q"},
            "/api/v1/stations/": {"district", "street", "q"},
            "/api/v1/streets/": {"district", "q"},
            "/api/v1/evaluations/": {"district", "street", "year", "kind", "status", "grade", "overdue", "q"},
            "/api/v1/reports/": {"district", "street", "year", "kind", "status", "grade", "overdue", "q"},
            "/api/v1/reports/performance/": {"district", "year", "status", "q"},
        }.items():
            with self.subTest(path=path):
                params = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
                self.assertLessEqual(names, params)
                self.assertNotIn("sort", params)


class StaffTests(MatrixBase):
    def test_register_and_quarter_figures(self):
        staff = StaffMember.objects.get(contract=self.w.contract)
        StaffMonth.objects.bulk_create([
            StaffMonth(staff=staff, month=date(2025, m, 1), on_post=Decimal(v), social_insurance=True,
                       salary_paid=True) for m, v in ((4, "1"), (5, "0.5"), (6, "1"))
        ])
        client = self.api("bureau_lw")
        register = client.get(reverse("api_staff", args=["xi-2024"])).json()["results"]
        self.assertEqual([(s["name"], s["certificate"], s["joined_on"]) for s in register],
                         [("xi-2024社工", "assistant", "2024-12-11")])
        grid = client.get(reverse("api_staff_quarter", args=["xi-2024", QUARTER])).json()
        row = grid["rows"][0]
        self.assertEqual([(m["month"], m["on_post"], m["editable"]) for m in row["months"]],
                         [("2025-04", "1", False), ("2025-05", "0.5", False), ("2025-06", "1", False)])
        self.assertEqual(row["effective"], "2.5")
        figures = grid["figures"]
        self.assertEqual(figures["months"], 7)  # 考核期 2024-12-11 → 2025-06-30: December … June
        self.assertEqual(figures["certified_effective"], "2.5")
        street = self.api("street_xc").get(reverse("api_staff_quarter", args=["xi-2024", QUARTER])).json()
        self.assertTrue(all(m["editable"] for m in street["rows"][0]["months"]))


class LockedWriteTests(MatrixBase):
    """evalportal.locks refuses API writes with the browser's message; nothing is saved or audited."""

    def cell(self, client, month: str) -> dict:
        cells = client.get(reverse("api_quarter_actuals", args=["xi-2024", month[:4] + "-Q" + str(
            (int(month[5:]) - 1) // 3 + 1)])).json()["cells"]
        return next(c for c in cells if c["month"] == month and c["area"] is not None)

    def put(self, client, quarter: str, cell: dict, value: str):
        body = {"cells": [{**{k: cell[k] for k in ("area", "indicator", "month", "version")}, "value": value}]}
        return client.put(reverse("api_quarter_actuals", args=["xi-2024", quarter]), body, format="json")

    def assert_refused(self, response, message: str) -> None:
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response["Content-Type"], "application/problem+json")
        self.assertEqual(response.json()["detail"], message)
        self.assertFalse(MonthlyActual.objects.exists())
        self.assertFalse(AuditEntry.objects.filter(subject="actual").exists())

    def test_a_submitted_and_an_approved_quarter(self):
        client = self.api("street_xc")
        for status, message in (("submitted", "2025年第二季度已提交，不能修改；如需修改，请联系区民政局退回。"),
                                ("approved", "2025年第二季度已审核通过，不能修改。")):
            with self.subTest(status=status):
                cell = self.cell(client, "2025-05")
                QuarterSubmission.objects.update_or_create(contract=self.w.contract, year=2025, quarter=2,
                                                           defaults={"status": status})
                self.assert_refused(self.put(client, QUARTER, cell, "12"), message)
                again = client.post(reverse("api_quarter_submit", args=["xi-2024", QUARTER]), {"version": 0},
                                    format="json")
                self.assertEqual(again.status_code, 409)
                self.assertIn("无需重复提交", again.json()["detail"])

    def test_a_month_of_a_finalised_evaluation(self):
        Evaluation.objects.filter(pk=self.w.evaluation.pk).update(status="finalised", total_score=Decimal("80"),
                                                                  grade="good")
        client = self.api("street_xc")
        cell = self.cell(client, "2025-04")
        self.assertFalse(cell["editable"])
        self.assert_refused(
            self.put(client, QUARTER, cell, "12"),
            f"该数据属于已定稿的评估“{self.w.evaluation}”（xc-2024-mid，考核期 2024年12月11日至2025年4月30日），不能修改；"
            "如需修改，请联系区民政局重新开启该评估。",
        )


class AuditTests(MatrixBase):
    def test_api_writes_appear_in_the_history_page_with_source_api(self):
        _, key = api_token_create(user=self.w.users["street_xc"], name="个案系统", days=1, read_only=False)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        url = reverse("api_quarter_actuals", args=["xi-2024", QUARTER])
        quarter = client.get(url).json()
        cell = next(c for c in quarter["cells"] if c["month"] == "2025-05" and c["indicator"] == "home_visit")
        body = {"cells": [{**{k: cell[k] for k in ("area", "indicator", "month", "version")}, "value": "128"}]}
        self.assertEqual(client.put(url, body, format="json").json(),
                         {"created": 1, "updated": 0, "deleted": 0, "unchanged": 0})
        submitted = client.post(reverse("api_quarter_submit", args=["xi-2024", QUARTER]),
                                {"version": quarter["version"] + 1}, format="json")
        self.assertEqual(submitted.status_code, 200, submitted.content)
        self.assertEqual(submitted.json()["status"], "submitted")
        entries = AuditEntry.objects.filter(contract=self.w.contract, quarter=QUARTER).order_by("at", "id")
        self.assertEqual([(e.action, e.new_value, e.source) for e in entries],
                         [("create", "128", "API"), ("submit", "已提交", "API")])
        self.client.force_login(self.w.users["bureau_lw"])
        page = self.client.get(reverse("quarter_audit", args=["xi-2024", QUARTER]))
        self.assertContains(page, "<span class=\"small text-muted\"> API</span>", count=2, html=False)
        self.assertContains(page, "128")


@mock.patch("api.filters.timezone.localdate", return_value=date(2025, 6, 20))
class QueryCountTests(TestCase):
    """Query counts equal at two sizes: 3 stations vs 3 + 40 (lists), 2 vs 8 片区 (附件1, a quarter's read/write)."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=2)

    LISTS = [("api_districts", {}), ("api_streets", {}), ("api_stations", {}), ("api_contracts", {"year": "2025"}),
             ("api_evaluations", {}), ("api_reports", {"q": "街"})]

    def list_counts(self) -> dict:
        result = {}
        for role in ("street_xc", "bureau_lw", "supervision", "evaluator", "admin"):
            client = APIClient()
            client.force_authenticate(self.w.users[role])
            for name, params in self.LISTS:
                with CaptureQueriesContext(connection) as ctx:
                    response = client.get(reverse(name), params)
                self.assertEqual(response.status_code, 200, (role, name, response.content[:300]))
                result[(role, name)] = len(ctx.captured_queries)
        return result

    def test_lists_do_not_grow_with_stations(self, _today):
        oversight_counts.grow(self.w, 1)
        small = self.list_counts()
        oversight_counts.grow(self.w, 40, start=1)
        self.assertEqual(self.list_counts(), small)

    def grow_performance(self, n: int, start: int = 0) -> None:
        """n 绩效评价 of new 荔湾 street offices, each published with two archived versions (one superseded)."""
        district = self.w.contract.station.street.district
        for i in range(start, start + n):
            street = Street.objects.create(code=f"pe-{i}", district=district, name=f"绩效{i}街道")
            office = Organisation.objects.create(name=f"绩效{i}街道办事处", short_name=f"绩效{i}街道办", kind="street",
                                                 street=street, district=district)
            pe = performance(f"pe-{i}-2025", office, year=2025, published=True)
            old = archive(pe, 1, f"PE{i:02d}-0000-0001", f"{i:064x}")
            ArchivedReport.objects.filter(pk=old.pk).update(superseded_by=archive(pe, 2, f"PE{i:02d}-0000-0002"))

    def performance_counts(self) -> dict:
        result = {}
        for role in ("street_xc", "bureau_lw", "supervision", "admin"):
            client = APIClient()
            client.force_authenticate(self.w.users[role])
            for params in ({}, {"year": "2025", "status": "published", "q": "绩效"}):
                with CaptureQueriesContext(connection) as ctx:
                    response = client.get(reverse("api_performance_reports"), params)
                self.assertEqual(response.status_code, 200, (role, response.content[:300]))
                result[(role, tuple(params))] = (len(ctx.captured_queries), len(response.json()["results"]) > 0)
        client = APIClient()
        client.force_authenticate(self.w.users["bureau_lw"])
        with CaptureQueriesContext(connection) as ctx:
            self.assertEqual(client.get(reverse("api_performance_report", args=["pe-0-2025"])).status_code, 200)
        result["detail"] = len(ctx.captured_queries)
        return result

    def test_performance_reports_do_not_grow_with_reports_or_stations(self, _today):
        self.grow_performance(1)
        small = self.performance_counts()
        self.grow_performance(40, start=1)
        oversight_counts.grow(self.w, 10)
        self.assertEqual(self.performance_counts(), small)

    def contract_counts(self) -> dict:
        client = APIClient()
        client.force_authenticate(self.w.users["street_xc"])
        result = {}
        for name, url in contract_urls("xi-2024").items():
            with CaptureQueriesContext(connection) as ctx:
                self.assertEqual(client.get(url).status_code, 200)
            result[name] = len(ctx.captured_queries)
        url = reverse("api_quarter_actuals", args=["xi-2024", QUARTER])

        def body(value: str) -> dict:
            # the same number of cells at both sizes: bulk inserts are batched by rows (SQLite: ~55 audit rows each)
            cells = sorted((c for c in client.get(url).json()["cells"] if c["editable"]),
                           key=lambda c: (c["area"] or 0, c["indicator"], c["month"]))[:30]
            return {"cells": [{**{k: c[k] for k in ("area", "indicator", "month", "version")}, "value": value}
                              for c in cells]}

        client.put(url, body("7"), format="json")  # every cell exists: the measured write updates them all
        with CaptureQueriesContext(connection) as ctx:
            response = client.put(url, body("8"), format="json")
        self.assertEqual(response.status_code, 200, response.content[:500])
        self.assertEqual(response.json()["updated"], 30)
        result["put"] = len(ctx.captured_queries)
        return result

    def add_areas(self, n: int) -> None:
        start = self.w.contract.service_areas.count()
        for i in range(start, start + n):
            area = ServiceArea.objects.create(contract=self.w.contract, name=f"片区{i + 1}", order=i + 1,
                                              social_workers=2)
            Target.objects.create(contract=self.w.contract, service_area=area,
                                  indicator=self.w.indicators["home_visit"], value=Decimal(600))
            MonthlyActual.objects.create(contract=self.w.contract, service_area=area,
                                         indicator=self.w.indicators["home_visit"], month=date(2025, 1, 1),
                                         value=Decimal(40))

    def test_contract_endpoints_and_the_quarter_write_do_not_grow_with_areas(self, _today):
        self.add_areas(1)
        small = self.contract_counts()
        self.add_areas(5)
        oversight_counts.grow(self.w, 10)
        self.assertEqual(self.contract_counts(), small)


class CompletionFixtureTests(TestCase):
    """The 附件1 JSON at a cut-off inside the contract (the export view's own cut-off), on a small world."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=2)

    def test_until_outside_the_contract_is_held_to_it(self):
        client = APIClient()
        client.force_authenticate(self.w.users["admin"])
        body = client.get(reverse("api_completion", args=["xi-2024"]), {"until": "2031-01-01"}).json()
        self.assertEqual((body["cutoff"], body["months"]), ("2025-12-10", 12))
        self.assertEqual(datetime.fromisoformat(body["cutoff"]).date(), self.w.contract.end_date)

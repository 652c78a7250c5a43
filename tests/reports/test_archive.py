"""The signed report (issue 9 §2): archived once as PDF/A-3b with its data embedded, served byte for byte, verifiable,
versioned on reopen; 绩效评价 publication; who may download versions and use the 报告核验 page."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import tempfile
from pathlib import Path
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings

from demo.loader import demo_load
from reports import services
from reports.archive.services import archived_report_render, current_archive
from reports.models import (
    ArchivedReport,
    Evaluation,
    EvaluationEvent,
    Party,
    PartyScore,
    PerformanceEvaluation,
    PerformanceEvaluationEvent,
)
from stations.models import Organisation, User
from tests.reports.pdf_tools import pdf_info, pdf_text


def fake_archival_pdf(html: str, **kwargs) -> bytes:
    """A distinct fake PDF per archived version (the HTML carries the version's verification code)."""
    return b"%PDF-1.7\n% fake archive\n" + hashlib.sha256(html.encode()).hexdigest().encode()


def pdf_attachment(data: bytes, name: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.pdf"
        path.write_bytes(data)
        listing = subprocess.run(["pdfdetach", "-list", str(path)], check=True, capture_output=True, text=True).stdout
        assert name in listing, listing
        out = Path(tmp) / "out"
        subprocess.run(["pdfdetach", "-save", "1", "-o", str(out), str(path)], check=True, capture_output=True)
        return out.read_bytes()


def demo_users() -> dict[str, User]:
    users = {u.username: u for u in User.objects.all()}
    users["bureau_baiyun"] = User.objects.create_user(
        "bureau_baiyun", password="x", role=User.Role.BUREAU,
        organisation=Organisation.objects.get(name="广州市白云区民政局"),
    )
    users["evaluator_unassigned"] = User.objects.create_user(
        "evaluator_unassigned", password="x", role=User.Role.EVALUATOR,
        organisation=Organisation.objects.get(name="广州市社会组织联合会"),
    )
    return users


class ArchivedPdfTests(TestCase):
    """One real PDF/A render of seed 001's finalised 中期评估 (about 3–6 s)."""

    @classmethod
    def setUpTestData(cls):
        demo_load()
        cls.users = demo_users()
        evaluation = Evaluation.objects.get(code="xicun-2024-mid")
        cls.archive = archived_report_render(current_archive(evaluation))
        with cls.archive.file.open("rb") as handle:
            cls.pdf = handle.read()

    def get(self, username: str, url: str):
        self.client.force_login(self.users[username])
        return self.client.get(url)

    def test_downloads_serve_the_archived_file_byte_for_byte_without_rendering_again(self):
        with (
            mock.patch("reports.pdf.render_archival_pdf") as archival,
            mock.patch("reports.pdf.render_pdf") as render,
        ):
            first = b"".join(self.get("bureau_liwan", "/reports/evaluation/xicun-2024-mid.pdf").streaming_content)
            second = b"".join(self.get("street_xicun", "/reports/evaluation/xicun-2024-mid.pdf").streaming_content)
            version = b"".join(self.get("admin", "/reports/archive/evaluation/xicun-2024-mid/v1.pdf").streaming_content)
        archival.assert_not_called()
        render.assert_not_called()
        self.assertEqual(first, self.pdf)
        self.assertEqual(second, self.pdf)
        self.assertEqual(version, self.pdf)
        self.assertEqual(hashlib.sha256(first).hexdigest(), self.archive.sha256)
        self.assertEqual(self.archive.size, len(self.pdf))

    def test_download_is_named_with_its_version(self):
        response = self.get("bureau_liwan", "/reports/evaluation/xicun-2024-mid.pdf")
        # 广州市西村街社工服务站 中期评估报告（第1版）.pdf
        self.assertIn("%EF%BC%88%E7%AC%AC1%E7%89%88%EF%BC%89.pdf", response["Content-Disposition"])

    def test_pdfa_3b_identification_in_the_xmp_metadata(self):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(self.pdf)
            handle.flush()
            meta = subprocess.run(["pdfinfo", "-meta", handle.name], check=True, capture_output=True, text=True).stdout
        self.assertIn('pdfaid:part="3"', meta)
        self.assertIn('pdfaid:conformance="B"', meta)
        self.assertIn("广州市西村街社工服务站 中期评估报告", meta)
        self.assertIn("PDF version:     1.7", pdf_info(self.pdf))

    def test_the_data_it_was_made_from_is_embedded_as_json(self):
        data = json.loads(pdf_attachment(self.pdf, "report-data.json"))
        self.assertEqual(data["format"], "evalportal-report-data")
        self.assertEqual(data["evaluation"]["code"], "xicun-2024-mid")
        self.assertEqual(data["archive"]["verification_code"], self.archive.verification_code)
        self.assertEqual(data["archive"]["version"], 1)
        # Seed 001 §七: 20.00 + 8.30 + 13.80 + 46.98 = 89.08 良好.
        self.assertEqual(data["total"], "89.08")
        self.assertEqual(data["grade"], "良好")
        points = {s["party"]: s["points"] for s in data["scores"]}
        self.assertEqual(
            points,
            {Party.BUYER: "20.00", Party.SUPERVISOR: "8.30", Party.SUPERVISION_CENTRE: "13.80",
             Party.THIRD_PARTY: "46.98"},
        )
        # Seed 001 附件2: 77.5 certified 人次 against 65 required, 超配 12.5, 稳岗率 70.00%.
        staff = data["attachment2"]
        self.assertEqual((staff["certified_effective"], staff["required"], staff["surplus"]), ("77.5", "65", "12.5"))
        # 附件1: 入户探访 合计 1011 / 1400 → 72.21%.
        total = {c["indicator"]: c for c in data["attachment1"]["total"]}
        visits = next(c for name, c in total.items() if "入户探访" in name)
        self.assertEqual((visits["target"], visits["actual"], visits["rate"]), ("1400.00", "1011.00", "72.21%"))
        self.assertEqual(data["contract"]["budget_yuan"], "2400000.00")
        self.assertNotIn("staff", json.dumps(data["attachment2"], ensure_ascii=False).replace("_staff", ""))

    def test_verification_code_on_the_cover_and_in_every_footer(self):
        code = self.archive.verification_code
        self.assertRegex(code, r"^[2-9A-HJ-NP-TV-Z]{4}-[2-9A-HJ-NP-TV-Z]{4}-[2-9A-HJ-NP-TV-Z]{4}$")
        cover = pdf_text(self.pdf, first=1, last=1)
        self.assertIn(f"报告验证码：{code}", cover)
        pages = int(next(line.split()[-1] for line in pdf_info(self.pdf).splitlines() if line.startswith("Pages:")))
        for page in (2, pages):
            with self.subTest(page=page):
                self.assertIn(f"报告验证码 {code} · 第1版", pdf_text(self.pdf, first=page, last=page))

    def test_verify_report_command_names_evaluation_and_version(self):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(self.pdf)
            handle.flush()
            out = io.StringIO()
            call_command("verify_report", handle.name, stdout=out)
        text = out.getvalue()
        self.assertIn("核验通过", text)
        self.assertIn("评估代码：xicun-2024-mid", text)
        self.assertIn("版本：第1版（现行版本）", text)
        self.assertIn(f"验证码：{self.archive.verification_code}", text)

    def test_one_changed_byte_fails_verification(self):
        tampered = bytearray(self.pdf)
        tampered[len(tampered) // 2] ^= 0x01
        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(bytes(tampered))
            handle.flush()
            with self.assertRaisesMessage(CommandError, "核验未通过：") as caught:
                call_command("verify_report", handle.name, stdout=io.StringIO())
        self.assertIn("不是本平台存档的报告，或已被修改", str(caught.exception))
        self.assertIn(hashlib.sha256(bytes(tampered)).hexdigest(), str(caught.exception))
        with self.assertRaisesMessage(CommandError, "文件不存在：/nonexistent.pdf"):
            call_command("verify_report", "/nonexistent.pdf")

    def upload(self, username: str, content: bytes, name: str = "报告.pdf"):
        self.client.force_login(self.users[username])
        return self.client.post("/reports/verify/", {"file": SimpleUploadedFile(name, content, "application/pdf")})

    def test_verify_page_confirms_a_genuine_file_with_its_evaluation_and_version(self):
        response = self.upload("bureau_liwan", self.pdf)
        self.assertContains(response, "核验通过：该文件是本平台签发的真实报告。")
        self.assertContains(response, "xicun-2024-mid")
        self.assertContains(response, "第1版（现行版本）")
        self.assertContains(response, self.archive.verification_code)
        self.assertContains(response, 'href="/reports/archive/evaluation/xicun-2024-mid/v1.pdf"')

    def test_verify_page_refuses_a_changed_file(self):
        tampered = bytearray(self.pdf)
        tampered[1000] ^= 0x20
        response = self.upload("supervision_gz", bytes(tampered))
        self.assertContains(response, "核验未通过：该文件不是本平台存档的报告，或已被修改。")
        self.assertNotContains(response, "xicun-2024-mid")

    def test_verify_page_does_not_reveal_a_report_outside_the_users_district(self):
        response = self.upload("bureau_baiyun", self.pdf)
        self.assertContains(response, "核验通过：该文件是本平台签发的真实报告。")
        self.assertContains(response, "该报告不在您的查看范围内")
        self.assertNotContains(response, "xicun-2024-mid")
        self.assertNotContains(response, self.archive.verification_code)
        self.assertNotContains(response, "/reports/archive/")

    def test_verify_page_is_for_overseers_only(self):
        for username in ["street_xicun", "evaluator_gzswa"]:
            with self.subTest(username=username):
                self.client.force_login(self.users[username])
                self.assertEqual(self.client.get("/reports/verify/").status_code, 403)
                self.assertEqual(self.upload(username, self.pdf).status_code, 403)
        self.client.logout()
        response = self.client.get("/reports/verify/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/accounts/login/"))
        for username in ["bureau_liwan", "supervision_gz", "admin"]:
            with self.subTest(username=username):
                self.client.force_login(self.users[username])
                self.assertContains(self.client.get("/reports/verify/"), "报告核验")

    @override_settings(REPORT_VERIFY_MAX_BYTES=1024 * 1024)
    def test_verify_page_limits_the_upload_size(self):
        response = self.upload("bureau_liwan", b"%PDF-" + b"0" * (1024 * 1024))
        self.assertContains(response, "文件超过 1 MB 的大小限制", status_code=400)
        response = self.client.post("/reports/verify/", {})
        self.assertContains(response, "请选择要核验的 PDF 文件。", status_code=400)

    def test_archived_versions_are_downloadable_only_by_those_who_may_see_the_report(self):
        url = "/reports/archive/evaluation/xicun-2024-mid/v1.pdf"
        for username in ["bureau_liwan", "street_xicun", "supervision_gz", "evaluator_gzswa", "admin"]:
            with self.subTest(username=username):
                self.assertEqual(self.get(username, url).status_code, 200)
        for username in ["bureau_baiyun", "street_jingtai", "evaluator_unassigned"]:
            with self.subTest(username=username):
                self.assertEqual(self.get(username, url).status_code, 404)
        for missing in ["/reports/archive/evaluation/xicun-2024-mid/v2.pdf",
                        "/reports/archive/evaluation/xicun-2024-final/v1.pdf",
                        "/reports/archive/other/xicun-2024-mid/v1.pdf"]:
            with self.subTest(url=missing):
                self.assertEqual(self.get("admin", missing).status_code, 404)


@mock.patch("reports.pdf.render_archival_pdf", side_effect=fake_archival_pdf)
class VersionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()
        cls.users = demo_users()
        cls.evaluation = Evaluation.objects.get(code="xicun-2024-mid")

    def refinalise(self):
        services.evaluation_reopen(evaluation=self.evaluation, user=self.users["bureau_liwan"], reason="更正第三方评分")
        for party in [Party.BUYER, Party.SUPERVISOR, Party.SUPERVISION_CENTRE, Party.THIRD_PARTY]:
            with self.captureOnCommitCallbacks(execute=True):
                services.party_score_submit(evaluation=self.evaluation, party=party, user=self.users["admin"])

    def download(self, username: str, url: str) -> bytes:
        self.client.force_login(self.users[username])
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        return b"".join(response.streaming_content)

    def test_second_finalisation_makes_version_2_and_version_1_stays_downloadable(self, _render):
        v1 = current_archive(self.evaluation)
        v1_bytes = self.download("bureau_liwan", "/reports/evaluation/xicun-2024-mid.pdf")
        self.refinalise()
        self.evaluation.refresh_from_db()
        self.assertEqual(self.evaluation.status, Evaluation.Status.FINALISED)
        v1.refresh_from_db()
        v2 = ArchivedReport.objects.get(evaluation=self.evaluation, version=2)
        self.assertEqual(v1.superseded_by, v2)
        self.assertTrue(v2.is_rendered, "rendered right after the finalisation committed")
        self.assertNotEqual(v1.sha256, v2.sha256)
        self.assertNotEqual(v1.verification_code, v2.verification_code)
        self.assertTrue(
            EvaluationEvent.objects.filter(
                evaluation=self.evaluation, action=EvaluationEvent.Action.ARCHIVED,
                new_value=f"第2版（验证码 {v2.verification_code}）",
            ).exists()
        )

        self.assertEqual(self.download("street_xicun", "/reports/evaluation/xicun-2024-mid.pdf"),
                         v2.file.open("rb").read())
        self.assertEqual(self.download("street_xicun", "/reports/archive/evaluation/xicun-2024-mid/v1.pdf"), v1_bytes)

        self.client.force_login(self.users["bureau_liwan"])
        page = self.client.get("/reports/?year=").content.decode()
        self.assertIn("已被第2版取代", page)
        self.assertIn('href="/reports/archive/evaluation/xicun-2024-mid/v1.pdf"', page)
        self.assertIn('href="/reports/archive/evaluation/xicun-2024-mid/v2.pdf"', page)
        self.assertIn("现行版本", page)

        out = io.StringIO()
        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(v1_bytes)
            handle.flush()
            call_command("verify_report", handle.name, stdout=out)
        self.assertIn("版本：第1版（已被第2版取代）", out.getvalue())

    def test_while_reopened_the_link_serves_the_draft_and_version_1_stays(self, _render):
        v1 = current_archive(self.evaluation)
        services.evaluation_reopen(evaluation=self.evaluation, user=self.users["bureau_liwan"], reason="更正")
        with mock.patch("reports.pdf.render_pdf", return_value=b"%PDF-1.7\n% draft") as render:
            self.assertEqual(self.download("bureau_liwan", "/reports/evaluation/xicun-2024-mid.pdf"),
                             b"%PDF-1.7\n% draft")
        render.assert_called_once()
        body = self.download("bureau_liwan", "/reports/archive/evaluation/xicun-2024-mid/v1.pdf")
        v1.refresh_from_db()
        self.assertEqual(hashlib.sha256(body).hexdigest(), v1.sha256)
        self.assertIsNone(v1.superseded_by)
        page = self.client.get("/reports/?year=").content.decode()
        self.assertIn("最近存档", page)

    def test_a_finalisation_archives_inside_its_transaction(self, _render):
        services.evaluation_reopen(evaluation=self.evaluation, user=self.users["bureau_liwan"], reason="更正")
        ArchivedReport.objects.all().delete()
        PartyScore.objects.filter(evaluation=self.evaluation).exclude(party=Party.THIRD_PARTY).update(status="submitted")
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            services.party_score_submit(
                evaluation=self.evaluation, party=Party.THIRD_PARTY, user=self.users["evaluator_gzswa"]
            )
        archive = ArchivedReport.objects.get(evaluation=self.evaluation)
        self.assertEqual((archive.version, archive.sha256, bool(archive.file)), (1, "", False))
        self.assertEqual(archive.created_by, self.users["evaluator_gzswa"])
        self.assertIn("89.08", archive.html)
        self.assertEqual(archive.data["total"], "89.08")
        self.assertEqual(len(callbacks), 1)
        # A crash before the render: the next download renders it once.
        self.download("bureau_liwan", "/reports/evaluation/xicun-2024-mid.pdf")
        archive.refresh_from_db()
        self.assertTrue(archive.is_rendered)


@mock.patch("reports.pdf.render_archival_pdf", side_effect=fake_archival_pdf)
class PublishTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()
        cls.users = demo_users()

    def post(self, username: str, url: str, data=None):
        self.client.force_login(self.users[username])
        return self.client.post(url, data or {})

    def test_bureau_publishes_after_confirmation_and_the_report_is_archived(self, _render):
        self.client.force_login(self.users["bureau_liwan"])
        listing = self.client.get("/reports/?year=")
        self.assertContains(listing, 'href="/reports/performance/xicun-2022/publish/"')
        confirm = self.client.get("/reports/performance/xicun-2022/publish/")
        self.assertContains(confirm, "确认发布")
        self.assertFalse(ArchivedReport.objects.exists())
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post("/reports/performance/xicun-2022/publish/")
        self.assertRedirects(response, "/reports/")
        pe = PerformanceEvaluation.objects.get(code="xicun-2022")
        self.assertEqual(pe.status, PerformanceEvaluation.Status.PUBLISHED)
        archive = ArchivedReport.objects.get(performance_evaluation=pe)
        self.assertTrue(archive.is_rendered)
        self.assertEqual(archive.data["performance_evaluation"]["code"], "xicun-2022")
        event = PerformanceEvaluationEvent.objects.get(evaluation=pe)
        self.assertEqual((event.action, event.actor), ("published", self.users["bureau_liwan"]))
        self.assertEqual(event.new_value, f"第1版（验证码 {archive.verification_code}）")
        body = b"".join(self.client.get("/reports/performance/xicun-2022.pdf").streaming_content)
        self.assertEqual(hashlib.sha256(body).hexdigest(), archive.sha256)
        self.assertContains(self.client.get("/reports/?year="), 'href="/reports/performance/xicun-2022/withdraw/"')

    def test_publishing_twice_is_refused(self, _render):
        self.post("bureau_liwan", "/reports/performance/xicun-2022/publish/")
        response = self.client.post("/reports/performance/xicun-2022/publish/", follow=True)
        self.assertContains(response, "该绩效评价已发布；如需修改，请先撤回发布并填写原因。")
        self.assertEqual(ArchivedReport.objects.count(), 1)

    def test_withdraw_needs_a_reason_and_republishing_makes_version_2(self, _render):
        self.post("bureau_liwan", "/reports/performance/xicun-2022/publish/")
        response = self.post("bureau_liwan", "/reports/performance/xicun-2022/withdraw/", {"reason": " "})
        self.assertContains(response, "请填写撤回发布的原因。", status_code=400)
        self.post("bureau_liwan", "/reports/performance/xicun-2022/withdraw/", {"reason": "预算执行数更正"})
        pe = PerformanceEvaluation.objects.get(code="xicun-2022")
        self.assertEqual((pe.status, pe.published_at), (PerformanceEvaluation.Status.DRAFT, None))
        withdrawn = PerformanceEvaluationEvent.objects.get(evaluation=pe, action="withdrawn")
        self.assertEqual(withdrawn.reason, "预算执行数更正")
        with self.captureOnCommitCallbacks(execute=True):
            self.post("bureau_liwan", "/reports/performance/xicun-2022/publish/")
        v1, v2 = ArchivedReport.objects.filter(performance_evaluation=pe).order_by("version")
        self.assertEqual((v1.version, v2.version, v1.superseded_by_id), (1, 2, v2.pk))
        page = self.client.get("/reports/?year=").content.decode()
        self.assertIn("已被第2版取代", page)

    def test_only_the_districts_bureau_and_admin_may_publish(self, _render):
        for username in ["street_xicun", "supervision_gz"]:
            with self.subTest(username=username):
                self.assertEqual(self.post(username, "/reports/performance/xicun-2022/publish/").status_code, 403)
                self.assertEqual(self.client.get("/reports/performance/xicun-2022/withdraw/").status_code, 403)
        for username in ["bureau_baiyun", "evaluator_gzswa"]:
            with self.subTest(username=username):
                self.assertEqual(self.post(username, "/reports/performance/xicun-2022/publish/").status_code, 404)
        self.assertFalse(ArchivedReport.objects.exists())
        self.client.force_login(self.users["street_xicun"])
        self.assertNotContains(self.client.get("/reports/?year="), "/publish/")
        self.assertEqual(self.post("admin", "/reports/performance/xicun-2022/publish/").status_code, 302)
        self.assertTrue(ArchivedReport.objects.exists())

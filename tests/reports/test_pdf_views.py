"""Getting the reports: who may download which PDF (404 otherwise), the district ZIP built by the worker, commands.

Rendering itself is tested in test_pdf_render; here `reports.pdf.render_pdf` is replaced by a fast fake so the
tests are about access, caching and bundling.
"""

import io
import threading
import zipfile
from datetime import date, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from unittest import mock, skipUnless

from django.core.management import CommandError, call_command
from django.db import connection
from django.test import SimpleTestCase, TestCase, TransactionTestCase, override_settings
from django.utils import timezone

from demo.loader import demo_load
from reports.models import Evaluation, EvaluationAssignment, PerformanceEvaluation, ReportBundle
from reports.pdf_services import (
    STALE_AFTER,
    report_bundle_build,
    report_bundle_claim_next,
    report_bundles_process,
    report_bundles_requeue_stale,
)
from stations.models import District, Organisation, User


def fake_pdf(html: str, **kwargs) -> bytes:
    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    return b"%PDF-1.7\n% fake for tests\n" + title.encode("utf-8")


class DownloadAccessTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()
        cls.users = {u.username: u for u in User.objects.all()}
        cls.users["bureau_baiyun"] = User.objects.create_user(
            "bureau_baiyun", password="x", role=User.Role.BUREAU,
            organisation=Organisation.objects.get(name="广州市白云区民政局"),
        )
        agency = Organisation.objects.get(name="广州市社会组织联合会")
        cls.users["evaluator_unassigned"] = User.objects.create_user(
            "evaluator_unassigned", password="x", role=User.Role.EVALUATOR, organisation=agency
        )
        cls.users["evaluator_pending"] = User.objects.create_user(
            "evaluator_pending", password="x", role=User.Role.EVALUATOR, organisation=agency
        )
        EvaluationAssignment.objects.create(
            evaluation=Evaluation.objects.get(code="xicun-2024-mid"), user=cls.users["evaluator_pending"]
        )

    def setUp(self):
        patcher = mock.patch("reports.pdf.render_pdf", side_effect=fake_pdf)
        self.render = patcher.start()
        self.addCleanup(patcher.stop)

    def get(self, username: str, url: str):
        self.client.force_login(self.users[username])
        return self.client.get(url)

    def assertStatus(self, username: str, url: str, status: int):
        response = self.get(username, url)
        self.assertEqual(response.status_code, status, f"{username} {url}")
        return response

    def test_who_may_download_the_evaluation_report(self):
        url = "/reports/evaluation/xicun-2024-mid.pdf"
        for username in ["bureau_liwan", "street_xicun", "supervision_gz", "evaluator_gzswa", "admin"]:
            with self.subTest(username=username):
                response = self.assertStatus(username, url, 200)
                self.assertEqual(response["Content-Type"], "application/pdf")
                self.assertIn("attachment", response["Content-Disposition"])
                self.assertIn("filename*=utf-8''", response["Content-Disposition"])
        # Other district's bureau, another street, unassigned evaluator, evaluator before declaring no conflict.
        for username in ["bureau_baiyun", "street_jingtai", "evaluator_unassigned", "evaluator_pending"]:
            with self.subTest(username=username):
                self.assertStatus(username, url, 404)

    def test_assigned_evaluator_waits_for_the_no_conflict_declaration(self):
        # Demo: evaluator_gzswa is assigned to the draft xicun-2024-final but has not declared yet.
        self.assertStatus("evaluator_gzswa", "/reports/evaluation/xicun-2024-final.pdf", 404)
        assignment = EvaluationAssignment.objects.get(evaluation__code="xicun-2024-final", user__username="evaluator_gzswa")
        assignment.declaration = EvaluationAssignment.Declaration.NO_CONFLICT
        assignment.save(update_fields=["declaration"])
        self.assertStatus("evaluator_gzswa", "/reports/evaluation/xicun-2024-final.pdf", 200)
        assignment.declaration = EvaluationAssignment.Declaration.CONFLICT
        assignment.save(update_fields=["declaration"])
        self.assertStatus("evaluator_gzswa", "/reports/evaluation/xicun-2024-final.pdf", 404)

    def test_draft_evaluation_report_is_marked_unfinished(self):
        from reports.pdf_services import report_source_for_code

        html = report_source_for_code("xicun-2024-final").html()
        self.assertIn("（未定稿，仅供内部核对）", html)
        self.assertNotIn("（未定稿", report_source_for_code("xicun-2024-mid").html())

    def test_who_may_download_the_performance_reports(self):
        self.assertStatus("bureau_liwan", "/reports/performance/xicun-2022.pdf", 200)
        self.assertStatus("street_xicun", "/reports/performance/xicun-2022.pdf", 200)
        self.assertStatus("bureau_baiyun", "/reports/performance/jingtai-2023.pdf", 200)
        self.assertStatus("street_jingtai", "/reports/performance/jingtai-2023.pdf", 200)
        self.assertStatus("bureau_baiyun", "/reports/performance/xicun-2022.pdf", 404)
        self.assertStatus("bureau_liwan", "/reports/performance/jingtai-2023.pdf", 404)
        self.assertStatus("street_xicun", "/reports/performance/jingtai-2023.pdf", 404)
        self.assertStatus("street_jingtai", "/reports/performance/zhongluotan-2022.pdf", 404)
        self.assertStatus("evaluator_gzswa", "/reports/performance/xicun-2022.pdf", 404)

    def test_unknown_code_and_wrong_kind_are_404(self):
        self.assertStatus("admin", "/reports/evaluation/nope.pdf", 404)
        self.assertStatus("admin", "/reports/evaluation/jingtai-2023.pdf", 404)
        self.assertStatus("admin", "/reports/performance/xicun-2024-mid.pdf", 404)

    @override_settings(LOGIN_URL="/accounts/login/")
    def test_anonymous_is_sent_to_login(self):
        response = self.client.get("/reports/evaluation/xicun-2024-mid.pdf")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/accounts/login/"))
        self.render.assert_not_called()

    def test_download_serves_the_stored_file_and_its_title(self):
        response = self.get("bureau_liwan", "/reports/evaluation/xicun-2024-mid.pdf")
        body = b"".join(response.streaming_content)
        self.assertEqual(body, fake_pdf("<title>广州市西村街社工服务站 中期评估报告</title>"))
        self.assertIn(
            "%E5%B9%BF%E5%B7%9E%E5%B8%82%E8%A5%BF%E6%9D%91%E8%A1%97",  # 广州市西村街 …
            response["Content-Disposition"],
        )

    def test_report_list_shows_only_what_the_user_may_download(self):
        response = self.get("bureau_liwan", "/reports/?year=")
        self.assertContains(response, 'href="/reports/evaluation/xicun-2024-mid.pdf"')
        self.assertContains(response, 'href="/reports/performance/xicun-2022.pdf"')
        self.assertNotContains(response, "jingtai-2023")
        self.assertNotContains(response, "zhongluotan-2022")
        self.assertContains(response, "按区打包下载")
        response = self.get("street_jingtai", "/reports/?year=")
        self.assertContains(response, 'href="/reports/performance/jingtai-2023.pdf"')
        self.assertNotContains(response, "xicun")
        self.assertNotContains(response, "按区打包下载")  # only the bureau (and admin, supervision) bundle
        response = self.get("evaluator_unassigned", "/reports/?year=")
        self.assertContains(response, "没有可下载的评估报告。")

    def test_report_list_queries_do_not_grow_with_reports(self):
        self.client.force_login(self.users["admin"])
        # session, user, evaluations (count, page), performance evaluations (count, page), bundles, districts
        # (whether to show the form, the select's options, Select.use_required_attribute's look at the first option),
        # the filter's district choices (the admin sees several districts: no street choices before one is chosen);
        # no session write (evalportal.session_refresh).
        with self.assertNumQueries(11):
            self.client.get("/reports/?year=")
        base = Evaluation.objects.get(code="xicun-2024-mid")
        contract = PerformanceEvaluation.objects.get(code="jingtai-2023").contract
        Evaluation.objects.create(
            code="jingtai-2023-mid", contract=contract, kind=Evaluation.Kind.MIDTERM, date=date(2023, 6, 1),
            period_start=contract.start_date, period_end=date(2023, 5, 31), agency=base.agency,
        )
        with self.assertNumQueries(11):
            response = self.client.get("/reports/?year=")
        self.assertContains(response, "jingtai-2023-mid.pdf")

    def test_download_buttons_partial(self):
        from django.template.loader import render_to_string

        evaluation = Evaluation.objects.get(code="xicun-2024-mid")
        with self.assertNumQueries(0):
            html = render_to_string(
                "reports/partials/_download_buttons.html", {"evaluation": evaluation, "size": "sm"}
            )
        self.assertIn('href="/reports/evaluation/xicun-2024-mid.pdf"', html)
        self.assertIn("btn-sm", html)


class BundleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()
        cls.bureau = User.objects.get(username="bureau_liwan")
        cls.street = User.objects.get(username="street_xicun")
        cls.liwan = District.objects.get(code="liwan")
        cls.baiyun = District.objects.get(code="baiyun")

    def setUp(self):
        patcher = mock.patch("reports.pdf.render_pdf", side_effect=fake_pdf)
        self.render = patcher.start()
        self.addCleanup(patcher.stop)
        self.client.force_login(self.bureau)

    def request_bundle(self, **data):
        payload = {"district": self.liwan.pk, "period_from": "2022-01-01", "period_to": "2025-12-31", **data}
        return self.client.post("/reports/bundles/", payload)

    def test_bureau_queues_a_bundle_and_the_worker_builds_the_zip(self):
        response = self.request_bundle()
        bundle = ReportBundle.objects.get()
        self.assertRedirects(response, f"/reports/bundles/{bundle.pk}/")
        self.assertEqual(bundle.status, ReportBundle.Status.QUEUED)
        self.render.assert_not_called()  # not in the web request

        page = self.client.get(f"/reports/bundles/{bundle.pk}/")
        self.assertContains(page, f'data-status-url="/reports/bundles/{bundle.pk}/status.json"')
        self.assertContains(page, "排队中")
        status = self.client.get(f"/reports/bundles/{bundle.pk}/status.json").json()
        self.assertEqual(
            status,
            {"id": bundle.pk, "status": "queued", "status_display": "排队中", "done": 0, "total": 0, "percent": 0,
             "error": "", "download_url": ""},
        )
        self.assertEqual(self.client.get(f"/reports/bundles/{bundle.pk}/download/").status_code, 404)

        out = io.StringIO()
        call_command("run_worker", "--once", stdout=out)
        self.assertIn("本次处理 1 个打包请求", out.getvalue())

        status = self.client.get(f"/reports/bundles/{bundle.pk}/status.json").json()
        self.assertEqual((status["status"], status["done"], status["total"], status["percent"]), ("done", 3, 3, 100))
        self.assertEqual(status["download_url"], f"/reports/bundles/{bundle.pk}/download/")
        response = self.client.get(status["download_url"])
        self.assertEqual(response["Content-Type"], "application/zip")
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        names = sorted(archive.namelist())
        # One PDF per evaluation of 荔湾区 (seed 001's 评估, the draft final marked 未定稿, and seed 000's 绩效评价);
        # nothing from 白云区/天河区.
        pe_title = PerformanceEvaluation.objects.get(code="xicun-2022").title
        self.assertEqual(
            names,
            [
                f"xicun-2022_{pe_title}.pdf",
                "xicun-2024-final_广州市西村街社工服务站 末期评估报告（未定稿）.pdf",
                "xicun-2024-mid_广州市西村街社工服务站 中期评估报告.pdf",
            ],
        )
        for name in names:
            self.assertTrue(archive.read(name).startswith(b"%PDF-"))

    def test_period_selects_the_evaluations(self):
        self.request_bundle(period_from="2025-01-01", period_to="2025-06-30")
        report_bundles_process()
        bundle = ReportBundle.objects.get()
        with bundle.file.open("rb") as handle:
            names = zipfile.ZipFile(handle).namelist()
        self.assertEqual([n.split("_", 1)[0] for n in names], ["xicun-2024-mid"])

    def test_unchanged_reports_are_not_rendered_again_for_a_second_bundle(self):
        self.request_bundle()
        report_bundles_process()
        self.assertEqual(self.render.call_count, 3)
        self.request_bundle()
        report_bundles_process()
        self.assertEqual(self.render.call_count, 3)
        self.assertEqual(ReportBundle.objects.filter(status="done").count(), 2)

    def test_bureau_cannot_bundle_another_district(self):
        response = self.request_bundle(district=self.baiyun.pk)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "您无权打包下载该区的报告。", status_code=400)
        self.assertFalse(ReportBundle.objects.exists())

    def test_period_must_be_in_order(self):
        response = self.request_bundle(period_from="2025-12-31", period_to="2025-01-01")
        self.assertContains(response, "截止日期不能早于起始日期。", status_code=400)
        response = self.request_bundle(period_from="2025-13-01")
        self.assertContains(response, "起始日期格式不正确，应为 YYYY-MM-DD。", status_code=400)
        self.assertFalse(ReportBundle.objects.exists())

    def test_street_office_may_not_bundle(self):
        self.client.force_login(self.street)
        self.assertEqual(self.request_bundle().status_code, 404)

    def test_someone_elses_bundle_is_404(self):
        bundle = ReportBundle.objects.create(
            requested_by=self.bureau, district=self.liwan, period_from=date(2022, 1, 1), period_to=date(2025, 12, 31)
        )
        report_bundles_process()
        other = User.objects.create_user(
            "bureau_liwan_2", password="x", role=User.Role.BUREAU, organisation=self.bureau.organisation
        )
        self.client.force_login(other)
        for suffix in ["", "status.json", "download/"]:
            with self.subTest(suffix=suffix):
                self.assertEqual(self.client.get(f"/reports/bundles/{bundle.pk}/{suffix}").status_code, 404)

    def test_stop_request_puts_the_bundle_back_in_the_queue(self):
        bundle = ReportBundle.objects.create(
            requested_by=self.bureau, district=self.liwan, period_from=date(2022, 1, 1), period_to=date(2025, 12, 31)
        )
        claimed = report_bundle_claim_next()
        self.assertEqual(claimed.pk, bundle.pk)
        report_bundle_build(claimed, should_stop=lambda: True)
        bundle.refresh_from_db()
        self.assertEqual((bundle.status, bundle.progress_done, bool(bundle.file)), ("queued", 0, False))

    def test_failure_is_reported_in_chinese(self):
        bundle = ReportBundle.objects.create(
            requested_by=self.bureau, district=self.liwan, period_from=date(2022, 1, 1), period_to=date(2025, 12, 31)
        )
        self.render.side_effect = OSError("disk full")
        with self.assertLogs("reports.pdf_services", level="ERROR"):
            report_bundles_process()
        bundle.refresh_from_db()
        self.assertEqual(bundle.status, "failed")
        self.assertEqual(bundle.error, "生成失败：OSError。请稍后重试，或联系系统管理员。")
        status = self.client.get(f"/reports/bundles/{bundle.pk}/status.json").json()
        self.assertEqual((status["status_display"], status["download_url"]), ("失败", ""))

    def test_failure_while_listing_the_reports_marks_the_bundle_failed(self):
        bundle = ReportBundle.objects.create(
            requested_by=self.bureau, district=self.liwan, period_from=date(2022, 1, 1), period_to=date(2025, 12, 31)
        )
        with mock.patch("reports.pdf_services.bundle_evaluations", side_effect=RuntimeError("boom")), \
                self.assertLogs("reports.pdf_services", level="ERROR"):
            self.assertEqual(report_bundles_process(), 1)
        bundle.refresh_from_db()
        self.assertEqual((bundle.status, bundle.error), ("failed", "生成失败：RuntimeError。请稍后重试，或联系系统管理员。"))

    def test_stale_running_bundle_is_requeued(self):
        bundle = ReportBundle.objects.create(
            requested_by=self.bureau, district=self.liwan, period_from=date(2022, 1, 1), period_to=date(2025, 12, 31),
            status=ReportBundle.Status.RUNNING, heartbeat_at=timezone.now() - STALE_AFTER - timedelta(seconds=1),
        )
        fresh = ReportBundle.objects.create(
            requested_by=self.bureau, district=self.liwan, period_from=date(2022, 1, 1), period_to=date(2025, 12, 31),
            status=ReportBundle.Status.RUNNING, heartbeat_at=timezone.now(),
        )
        self.assertEqual(report_bundles_requeue_stale(), 1)
        bundle.refresh_from_db()
        fresh.refresh_from_db()
        self.assertEqual((bundle.status, fresh.status), ("queued", "running"))


class RenderReportCommandTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()

    def test_unknown_code_is_a_chinese_command_error(self):
        with self.assertRaisesMessage(CommandError, "找不到代码为“nope”的评估或绩效评价。"):
            call_command("render_report", "nope", "--out", "/tmp/nope.pdf")

    def test_html_format_writes_the_html_it_would_render(self):
        with TemporaryDirectory() as tmp:
            target = Path(tmp) / "report.html"
            with mock.patch("reports.pdf.render_pdf") as render:
                call_command("render_report", "xicun-2024-mid", "--out", str(target), "--format", "html",
                             stdout=io.StringIO())
            render.assert_not_called()
            html = target.read_text(encoding="utf-8")
        self.assertTrue(html.lstrip().startswith("<!DOCTYPE html>"))
        self.assertIn("89.08", html)

    def test_pdf_for_a_performance_code(self):
        with TemporaryDirectory() as tmp:
            target = Path(tmp) / "report.pdf"
            out = io.StringIO()
            with mock.patch("reports.pdf.render_pdf", side_effect=fake_pdf):
                call_command("render_report", "jingtai-2023", "--out", str(target), stdout=out)
            self.assertTrue(target.read_bytes().startswith(b"%PDF-"))
        self.assertIn("已生成", out.getvalue())

    def test_missing_output_directory(self):
        with self.assertRaisesMessage(CommandError, "输出目录不存在：/nonexistent-dir"):
            call_command("render_report", "jingtai-2023", "--out", "/nonexistent-dir/x.pdf")


@skipUnless(connection.vendor == "postgresql", "select_for_update(skip_locked) needs PostgreSQL; SQLite has no row locks")
class ConcurrentClaimTests(TransactionTestCase):
    def test_two_workers_claim_different_bundles(self):
        district = District.objects.create(code="d1", name="测试区")
        org = Organisation.objects.create(name="测试区民政局", kind=Organisation.Kind.BUREAU, district=district)
        user = User.objects.create_user("b1", password="x", role=User.Role.BUREAU, organisation=org)
        for _ in range(2):
            ReportBundle.objects.create(
                requested_by=user, district=district, period_from=date(2025, 1, 1), period_to=date(2025, 12, 31)
            )
        barrier = threading.Barrier(2)
        claimed: list[int | None] = []
        errors: list[BaseException] = []

        def worker():
            try:
                barrier.wait(timeout=10)
                bundle = report_bundle_claim_next()
                claimed.append(bundle.pk if bundle else None)
            except BaseException as exc:  # surfaced below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        self.assertEqual(errors, [])
        self.assertEqual(len(set(claimed)), 2, claimed)
        self.assertNotIn(None, claimed)
        self.assertEqual(ReportBundle.objects.filter(status="running").count(), 2)


class EvaluationPageButtonTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()

    def test_evaluation_detail_page_offers_the_pdf(self):
        self.client.force_login(User.objects.get(username="bureau_liwan"))
        response = self.client.get("/evaluations/xicun-2024-mid/")
        self.assertContains(response, 'href="/reports/evaluation/xicun-2024-mid.pdf"')
        self.assertContains(response, "下载评估报告（PDF）")


class RunWorkerSignalTests(TestCase):
    def test_sigterm_stops_the_loop_gracefully_and_restores_the_handler(self):
        import os
        import signal

        calls = []

        def process(*, should_stop):
            calls.append(should_stop())
            if len(calls) == 1:
                os.kill(os.getpid(), signal.SIGTERM)  # the command's handler turns this into a stop request
            return 0

        before = signal.getsignal(signal.SIGTERM)
        out = io.StringIO()
        with mock.patch("reports.management.commands.run_worker.report_bundles_process", side_effect=process):
            call_command("run_worker", "--poll", "30", stdout=out)  # returns only because of the signal
        self.assertEqual(calls, [False])
        self.assertIn("报告打包后台任务已停止（本次处理 0 个打包请求）。", out.getvalue())
        self.assertIs(signal.getsignal(signal.SIGTERM), before)


class RunWorkerDatabaseErrorTests(SimpleTestCase):
    def test_a_database_error_pauses_the_worker_instead_of_ending_it(self):
        import os
        import signal

        from django.db import OperationalError

        calls = []

        def process(*, should_stop):
            calls.append(len(calls))
            if len(calls) == 1:
                raise OperationalError("server closed the connection unexpectedly")
            os.kill(os.getpid(), signal.SIGTERM)  # second round ran: stop
            return 1

        out = io.StringIO()
        module = "reports.management.commands.run_worker"
        with (
            mock.patch(f"{module}.report_bundles_process", side_effect=process),
            mock.patch(f"{module}.connection") as connection,
            mock.patch(f"{module}.close_old_connections"),
            mock.patch(f"{module}.WorkerHeartbeat"),  # no database here: the heartbeat row is not the point
            mock.patch(f"{module}.RETRY_DELAYS", (0.01, 0.02)),
            self.assertLogs(module, level="ERROR") as logs,
        ):
            connection.in_atomic_block = False
            call_command("run_worker", "--poll", "30", stdout=out)
        self.assertEqual(calls, [0, 1])
        connection.close.assert_called_once_with()
        self.assertIn("数据库错误", logs.output[0])
        self.assertIn("本次处理 1 个打包请求", out.getvalue())

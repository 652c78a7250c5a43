"""Issue 13 §3: /healthz for the load balancer, the worker heartbeat, the administrator's queue page, JSON logs."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from unittest import mock

from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from evalportal.logformat import JsonFormatter
from reports.models import WorkerHeartbeat
from stations.models import Organisation, User


class HealthzTests(TestCase):
    def test_healthy_without_login_and_reports_each_part(self):
        response = self.client.get(reverse("healthz"))
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual((body["status"], body["database"], body["storage"]), ("ok", "ok", "ok"))
        self.assertEqual(body["worker"], "stale")  # no worker has ever beaten
        self.assertIsNone(body["worker_heartbeat_age_seconds"])
        self.assertIn("no-cache", response["Cache-Control"])

    def test_a_worker_round_makes_the_heartbeat_fresh(self):
        call_command("run_worker", "--once", stdout=mock.MagicMock())
        body = self.client.get(reverse("healthz")).json()
        self.assertEqual(body["worker"], "ok")
        self.assertLess(body["worker_heartbeat_age_seconds"], 30)

    def test_a_stopped_worker_is_reported_stale_but_the_server_stays_in_the_pool(self):
        WorkerHeartbeat.objects.create(name="host:1", started_at=timezone.now() - timedelta(hours=1),
                                       beat_at=timezone.now() - timedelta(minutes=5))
        response = self.client.get(reverse("healthz"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["worker"], "stale")

    def test_storage_failure_takes_the_server_out_of_the_pool(self):
        with mock.patch("evalportal.operations.default_storage.exists", side_effect=OSError("disk gone")), \
                self.assertLogs("evalportal.operations", "ERROR"):
            response = self.client.get(reverse("healthz"))
        self.assertEqual(response.status_code, 503)
        self.assertEqual((response.json()["status"], response.json()["storage"]), ("error", "error"))


class WorkerQueuePageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = User.objects.create_user(username="ops_admin", password="x-Strong-123", role="admin")
        centre = Organisation.objects.create(name="测试督导中心", kind=Organisation.Kind.SUPERVISION)
        cls.supervision = User.objects.create_user(username="ops_supervision", password="x-Strong-123",
                                                   role="supervision", organisation=centre)

    def test_admin_sees_live_and_stale_workers(self):
        now = timezone.now()
        WorkerHeartbeat.objects.create(name="app1:101", started_at=now, beat_at=now)
        WorkerHeartbeat.objects.create(name="app2:202", started_at=now, beat_at=now - timedelta(minutes=3))
        self.client.force_login(self.admin)
        response = self.client.get(reverse("worker_queue"))
        self.assertContains(response, "app1:101")
        self.assertContains(response, "运行中")
        self.assertContains(response, "无响应（超过 60 秒）")
        self.assertContains(response, "队列为空。")

    def test_without_workers_the_page_says_bundles_will_not_be_built(self):
        self.client.force_login(self.admin)
        self.assertContains(self.client.get(reverse("worker_queue")), "没有运行中的后台任务进程")

    def test_other_roles_are_refused(self):
        self.client.force_login(self.supervision)
        self.assertEqual(self.client.get(reverse("worker_queue")).status_code, 403)


class JsonLogTests(TestCase):
    def test_one_json_object_per_line_with_path_but_no_query(self):
        request = mock.Mock(method="GET", path="/contracts/xicun-2024/")
        record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/x",), None)
        record.request = request
        record.status_code = 404
        entry = json.loads(JsonFormatter().format(record))
        self.assertEqual((entry["level"], entry["logger"], entry["status"], entry["path"]),
                         ("WARNING", "django.request", 404, "/contracts/xicun-2024/"))
        self.assertEqual(entry["message"], "Not Found: /x")

"""Expired Excel import previews are deleted: on every new upload and by `manage.py purge_import_previews`."""

from datetime import timedelta
from io import StringIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from indicators.models import ImportBatch
from indicators.quarters import Quarter
from indicators.services import import_batch_store, import_batches_purge

from .factories import build_world
from .test_excel import load, to_bytes

Q1 = Quarter(2025, 1)


class ImportPreviewPurgeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=2)

    def batch(self, age: timedelta, token: str) -> ImportBatch:
        batch = ImportBatch.objects.create(user=self.w.users["street_xc"], contract=self.w.contract, token=token,
                                           kind=ImportBatch.Kind.ACTUALS, quarter=Q1.slug, payload={"n": 1})
        ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - age)  # auto_now_add
        return batch

    def test_store_keeps_a_valid_batch_under_a_random_token(self):
        batch = import_batch_store(user=self.w.users["street_xc"], contract=self.w.contract,
                                   kind=ImportBatch.Kind.ACTUALS, quarter=Q1, file_name="x" * 250, payload={"n": 1})
        self.assertEqual((len(batch.token), batch.quarter, len(batch.file_name)), (32, "2025-Q1", 200))

    def test_purge_deletes_only_previews_older_than_two_hours(self):
        self.batch(timedelta(hours=2, minutes=1), "old")
        self.batch(timedelta(hours=1, minutes=59), "fresh")
        self.assertEqual(import_batches_purge(), 1)
        self.assertEqual(list(ImportBatch.objects.values_list("token", flat=True)), ["fresh"])

    def test_command_reports_in_chinese(self):
        self.batch(timedelta(days=3), "old1")
        self.batch(timedelta(hours=3), "old2")
        self.batch(timedelta(minutes=5), "fresh")
        out = StringIO()
        call_command("purge_import_previews", stdout=out)
        self.assertEqual(out.getvalue(), "已删除 2 个过期的导入预览（超过 2 小时）。\n")
        self.assertEqual(list(ImportBatch.objects.values_list("token", flat=True)), ["fresh"])

    def test_a_new_upload_purges_expired_previews(self):
        self.batch(timedelta(hours=5), "old")
        self.client.force_login(self.w.users["street_xc"])
        template = self.client.get(reverse("quarter_template", args=[self.w.contract.code, Q1.slug]))
        wb = load(template.content)
        wb["完成量填报"]["H6"] = 12
        response = self.client.post(reverse("quarter_import", args=[self.w.contract.code, Q1.slug]),
                                    {"file": SimpleUploadedFile("filled.xlsx", to_bytes(wb))})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(ImportBatch.objects.count(), 1)
        self.assertFalse(ImportBatch.objects.filter(token="old").exists())

    def test_an_expired_preview_cannot_be_opened(self):
        batch = self.batch(timedelta(hours=2, seconds=1), "old")
        self.client.force_login(self.w.users["street_xc"])
        response = self.client.get(reverse("import_preview", args=[self.w.contract.code, "old"]))
        self.assertEqual(response.status_code, 404)
        self.assertTrue(ImportBatch.objects.filter(pk=batch.pk).exists())

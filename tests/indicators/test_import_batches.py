"""Excel import previews: expired ones are deleted (on every new upload and by `manage.py purge_import_previews`);
applying one goes through the services, once, atomically."""

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from evalportal.edits import AlreadyApplied, ConcurrentEdit
from evalportal.periods import Quarter
from indicators.changes import CellChange
from indicators.models import MonthlyActual
from indicators.services import actuals_save, import_batch_apply
from stations.imports import import_batch_store, import_batches_purge
from stations.models import AuditEntry, ImportBatch, StaffMember, StaffMonth
from stations.services import staff_import_apply

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


class ImportBatchApplyTests(TestCase):
    """Applying a preview and marking it applied happen in one transaction, through the services."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world(n_areas=1)

    def actuals_batch(self, value: str, version: int) -> ImportBatch:
        change = {"area_id": self.w.areas[0].pk, "indicator_id": self.w.indicators["home_visit"].pk,
                  "month": "2025-01-01", "value": value, "version": version}
        return import_batch_store(user=self.w.users["street_xc"], contract=self.w.contract,
                                  kind=ImportBatch.Kind.ACTUALS, quarter=Q1, payload={"changes": [change]})

    def test_a_batch_is_applied_once(self):
        batch = self.actuals_batch("12", 0)
        result = import_batch_apply(batch=batch, user=self.w.users["street_xc"])
        self.assertEqual(result.changed, 1)
        with self.assertRaisesMessage(AlreadyApplied, "该文件已导入，无需重复导入。"):
            import_batch_apply(batch=batch, user=self.w.users["street_xc"])
        self.assertEqual(AuditEntry.objects.filter(subject="actual").count(), 1)

    def test_a_refused_apply_leaves_the_batch_unapplied(self):
        actuals_save(contract=self.w.contract, quarter=Q1, user=self.w.users["admin"],
                     changes=[CellChange(self.w.areas[0].pk, self.w.indicators["home_visit"].pk, date(2025, 1, 1),
                                         Decimal(7), 0)])
        batch = self.actuals_batch("12", 0)  # previewed before the admin's save
        with self.assertRaises(ConcurrentEdit):
            import_batch_apply(batch=batch, user=self.w.users["street_xc"])
        batch.refresh_from_db()
        self.assertIsNone(batch.applied_at)
        self.assertEqual(MonthlyActual.objects.get().value, Decimal(7))

    def test_another_users_batch_cannot_be_applied(self):
        batch = self.actuals_batch("12", 0)
        with self.assertRaisesMessage(PermissionDenied, "无权限导入该批次。"):
            import_batch_apply(batch=batch, user=self.w.users["admin"])
        self.assertFalse(MonthlyActual.objects.exists())

    def test_staff_batch_is_applied_once_and_atomically(self):
        staff = StaffMember.objects.create(contract=self.w.contract, order=1, name="测试", position="area_worker",
                                           certificate="none")
        change = {"staff_id": staff.pk, "month": "2025-01-01", "on_post": "1", "social_insurance": True,
                  "salary_paid": True, "version": 0}
        batch = import_batch_store(user=self.w.users["street_xc"], contract=self.w.contract,
                                   kind=ImportBatch.Kind.STAFF, payload={"changes": [change]})
        self.assertEqual(staff_import_apply(batch=batch, user=self.w.users["street_xc"]), 1)
        with self.assertRaisesMessage(AlreadyApplied, "该文件已导入，无需重复导入。"):
            staff_import_apply(batch=batch, user=self.w.users["street_xc"])
        self.assertEqual(StaffMonth.objects.get().on_post, Decimal(1))

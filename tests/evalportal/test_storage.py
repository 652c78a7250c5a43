"""Issue 13 §2/§4: every stored file goes through Django's storage API, on the local disk and on S3-compatible
object storage alike (moto in-process), and protected downloads keep their permission checks when nginx sends the
file (X-Accel-Redirect)."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from urllib.parse import parse_qs, urlsplit

import boto3
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from django.urls import reverse
from moto import mock_aws

from demo.loader import demo_load
from reports.models import Evaluation, EvaluationItem, PartyScore, ReportBundle
from reports.pdf_services import report_bundle_request, report_bundles_process
from reports.services import evidence_attach
from stations.models import District, User

S3 = {
    "BACKEND": "storages.backends.s3.S3Storage",
    "OPTIONS": {"bucket_name": "evalportal-test", "region_name": "us-east-1", "access_key": "test",
                "secret_key": "test", "addressing_style": "path", "signature_version": "s3v4",
                "default_acl": None, "querystring_auth": True, "file_overwrite": False},
}
STATIC = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return buffer.getvalue()


PNG = _png()


class DemoData(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()
        cls.bureau = User.objects.get(username="bureau_liwan")
        cls.outsider = User.objects.get(username="street_jingtai")
        cls.mid = Evaluation.objects.get(code="xicun-2024-mid")

    def attach_evidence(self):
        final = Evaluation.objects.get(code="xicun-2024-final")
        PartyScore.objects.filter(evaluation=final, party="third_party").update(status="draft")
        item = EvaluationItem.objects.filter(section__evaluation=final).order_by("pk").first()
        evaluator = User.objects.get(username="evaluator_gzswa")
        final.assignments.filter(user=evaluator).update(declaration="no_conflict")
        return final, evidence_attach(evaluation=final, item_id=item.pk, user=evaluator,
                                      upload=SimpleUploadedFile("现场照片.png", PNG, content_type="image/png"))


class StoredFilesMixin:
    """The same journey of files on whichever storage the subclass configures."""

    def test_report_pdf_is_stored_and_downloaded(self):
        self.client.force_login(self.bureau)
        response = self.client.get(reverse("report_evaluation_pdf", args=[self.mid.code]))
        self.assertEqual(response.status_code, 200)
        self.assertTrue(b"".join(response.streaming_content).startswith(b"%PDF"))
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.get(reverse("report_evaluation_pdf", args=[self.mid.code])).status_code, 404)

    def test_evidence_is_stored_and_served_only_to_those_who_may_see_it(self):
        final, attachment = self.attach_evidence()
        self.assertTrue(attachment.file.storage.exists(attachment.file.name))
        self.client.force_login(self.bureau)
        url = reverse("evaluation_attachment", args=[final.code, attachment.pk])
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(b"".join(response.streaming_content), PNG)
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_district_zip_is_built_by_the_worker_and_downloaded(self):
        bundle = report_bundle_request(user=self.bureau, district=District.objects.get(code="liwan"),
                                       period_from=date(2024, 1, 1), period_to=date(2025, 12, 31))
        self.assertEqual(report_bundles_process(), 1)
        bundle.refresh_from_db()
        self.assertEqual(bundle.status, ReportBundle.Status.DONE)
        self.client.force_login(self.bureau)
        response = self.client.get(reverse("report_bundle_download", args=[bundle.pk]))
        names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
        self.assertTrue(any(name.endswith(".pdf") for name in names))
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.get(reverse("report_bundle_download", args=[bundle.pk])).status_code, 404)


class LocalDiskStorageTests(StoredFilesMixin, DemoData):
    pass


@override_settings(STORAGES={"default": S3, "staticfiles": STATIC})
class S3StorageTests(StoredFilesMixin, DemoData):
    @classmethod
    def setUpClass(cls):
        cls.mock = mock_aws()
        cls.mock.start()
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="evalportal-test")
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.mock.stop()

    def test_files_land_in_the_bucket_not_on_the_disk(self):
        _, attachment = self.attach_evidence()
        keys = [o["Key"] for o in boto3.client("s3", region_name="us-east-1").list_objects_v2(
            Bucket="evalportal-test")["Contents"]]
        self.assertIn(attachment.file.name, keys)


class XAccelTests(DemoData):
    """With EVALPORTAL_DOWNLOADS=x-accel the app server checks permission and names the file; nginx sends it."""

    @override_settings(EVALPORTAL_DOWNLOADS="x-accel")
    def test_local_files_are_handed_to_nginx_internal_location(self):
        final, attachment = self.attach_evidence()
        self.client.force_login(self.bureau)
        response = self.client.get(reverse("evaluation_attachment", args=[final.code, attachment.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["X-Accel-Redirect"], "/_protected/" + attachment.file.name)
        self.assertEqual(response.content, b"")
        self.assertEqual(response["Content-Type"], "image/png")
        self.client.force_login(self.outsider)
        response = self.client.get(reverse("evaluation_attachment", args=[final.code, attachment.pk]))
        self.assertEqual(response.status_code, 404)
        self.assertNotIn("X-Accel-Redirect", response)

    def test_objects_in_s3_are_handed_to_nginx_as_a_presigned_path(self):
        with mock_aws(), self.settings(STORAGES={"default": S3, "staticfiles": STATIC}, EVALPORTAL_DOWNLOADS="x-accel"):
            boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="evalportal-test")
            self.client.force_login(self.bureau)
            response = self.client.get(reverse("report_evaluation_pdf", args=[self.mid.code]))
            self.assertEqual(response.status_code, 200)
            target = urlsplit(response["X-Accel-Redirect"])
            self.assertTrue(target.path.startswith("/_s3/evalportal-test/reports/"), target.path)
            self.assertIn("X-Amz-Signature", parse_qs(target.query))
            self.assertIn('attachment; filename*=', response["Content-Disposition"])
            self.client.force_login(self.outsider)
            self.assertEqual(self.client.get(reverse("report_evaluation_pdf", args=[self.mid.code])).status_code, 404)

"""Warning thresholds are local policy (issue 8) and a person changes them in the admin: each change is recorded
old → new like every other admin change (issue 9 §3), in Chinese labels."""

from __future__ import annotations

from django.test import TestCase
from django.urls import reverse

from oversight.models import WarningSettings
from stations.models import AuditEntry, User
from tests.evalportal.test_audit import admin_form_data


class WarningSettingsAuditTests(TestCase):
    def test_an_admin_change_of_a_threshold_is_recorded_old_to_new(self):
        settings = WarningSettings.objects.create()  # the defaults
        root = User.objects.create_superuser("root-thresholds", password="x" * 12, role="admin")
        self.client.force_login(root)
        url = reverse("admin:oversight_warningsettings_change", args=[settings.pk])
        response = self.client.post(url, admin_form_data(self.client.get(url), retention_min="75"), follow=True)
        self.assertEqual(response.status_code, 200)
        settings.refresh_from_db()
        self.assertEqual(str(settings.retention_min), "75.00")
        entry = AuditEntry.objects.get(model="oversight.warningsettings")
        self.assertEqual((entry.user, entry.action, entry.field, entry.old_value, entry.new_value, entry.source),
                         (root, "update", "稳岗率下限（%）", "80.00", "75", "后台"))

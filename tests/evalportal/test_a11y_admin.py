"""Django's admin and issue 15: a tabular inline's fields are named after their column and row (evalportal.admin_helpers),
and a field with help text points at no element the tabular layout does not render. Server-rendered, both databases;
axe-core checks the same pages in tests/evalportal/test_a11y_axe_rest.py."""

from __future__ import annotations

from django.test import TestCase
from django.urls import reverse

from demo.loader import demo_load
from reports.models import Evaluation
from stations.models import Contract, User
from tests.evalportal.test_a11y_markup import elements


class TabularInlineNameTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()
        cls.admin = User.objects.get(username="admin")

    def inputs(self, url: str) -> dict[str, dict[str, str]]:
        self.client.force_login(self.admin)
        html = self.client.get(url).content.decode()
        return {attrs["id"]: attrs for tag, attrs in elements(html) if tag in ("input", "select") and "id" in attrs}

    def test_each_field_of_a_row_says_its_column_and_row(self):
        contract = Contract.objects.get(code="xicun-2024")
        fields = self.inputs(reverse("admin:stations_contract_change", args=[contract.pk]))
        self.assertEqual(fields["id_service_areas-0-name"]["aria-label"], "片区名称（第 1 行）")
        self.assertEqual(fields["id_service_areas-1-social_workers"]["aria-label"], "投入社工人数（第 2 行）")
        self.assertEqual(fields["id_service_areas-0-DELETE"]["aria-label"], "删除（第 1 行）")
        self.assertEqual(fields["id_service_areas-__prefix__-name"]["aria-label"], "片区名称（新增行）")

    def test_a_field_with_help_text_reads_it_in_its_name_and_points_at_nothing_missing(self):
        evaluation = Evaluation.objects.get(code="xicun-2024-mid")
        fields = self.inputs(reverse("admin:reports_evaluation_change", args=[evaluation.pk]))
        score = fields["id_party_scores-0-score_100"]
        self.assertTrue(score["aria-label"].startswith("百分制得分（第 1 行）："), score)
        self.assertEqual(score["aria-describedby"].strip(), "")

"""The render cache's fingerprint changes whenever any data behind a report changes (issue 5 §6).

The fingerprint is that of the report's HTML, so these tests change one kind of data at a time and compare the
fingerprints (no PDF rendering needed): actuals are covered in test_pdf_cache; here staff months, party scores,
findings, rubric item scores, contract facts and 绩效评价 indicators.
"""

from decimal import Decimal

from django.test import TestCase

from demo.loader import demo_load
from reports import pdf, services
from reports.models import Evaluation, Finding, PartyScore, PerformanceEvaluation, PerformanceIndicator
from reports.pdf_services import report_source
from stations.models import StaffMonth

from .factories import SCORES_102_5, make_world, score_all_items


def fingerprint(obj) -> str:
    """As a download computes it: from a freshly read object."""
    return pdf.html_fingerprint(report_source(type(obj).objects.get(pk=obj.pk)).html())


class FingerprintTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()
        cls.evaluation = Evaluation.objects.get(code="xicun-2024-mid")
        cls.pe = PerformanceEvaluation.objects.get(code="jingtai-2023")

    def assertChanges(self, obj, change) -> None:
        before = fingerprint(obj)
        change()
        self.assertNotEqual(before, fingerprint(obj))

    def test_unchanged_data_keeps_the_fingerprint(self):
        self.assertEqual(fingerprint(self.evaluation), fingerprint(self.evaluation))
        self.assertEqual(fingerprint(self.pe), fingerprint(self.pe))

    def test_staff_month(self):
        month = StaffMonth.objects.filter(
            staff__contract=self.evaluation.contract, month__gte=self.evaluation.period_start,
            month__lte=self.evaluation.period_end, on_post=Decimal(1),
        ).order_by("month", "id").first()

        def change():
            month.on_post = Decimal("0.5")
            month.save(update_fields=["on_post"])

        self.assertChanges(self.evaluation, change)

    def test_party_score(self):
        score = PartyScore.objects.get(evaluation=self.evaluation, party="buyer")
        self.assertChanges(self.evaluation, lambda: PartyScore.objects.filter(pk=score.pk).update(
            points=score.points - Decimal("0.5")))

    def test_finding(self):
        finding = Finding.objects.filter(evaluation=self.evaluation).order_by("id").first()
        self.assertChanges(self.evaluation, lambda: Finding.objects.filter(pk=finding.pk).update(
            text=finding.text + "补充一句。"))

    def test_rubric_scores_reach_the_report_through_the_third_party_submission(self):
        """The report prints no item scores: the rubric enters it as the third party's points, frozen when the third
        party submits (services.party_score_submit). Item edits before that change nothing printed."""
        world = make_world("fp")
        evaluation = world.evaluation
        before = fingerprint(evaluation)
        score_all_items(world, SCORES_102_5)
        self.assertEqual(before, fingerprint(evaluation))
        services.party_score_submit(evaluation=evaluation, party="third_party", user=world.evaluator)
        self.assertNotEqual(before, fingerprint(evaluation))

    def test_contract_facts(self):
        contract = self.evaluation.contract
        self.assertChanges(self.evaluation, lambda: type(contract).objects.filter(pk=contract.pk).update(
            required_certified_staff=contract.required_certified_staff + 1))
        contract = self.pe.contract  # jingtai's report prints the contract's title and operator, not its budget
        self.assertChanges(self.pe, lambda: type(contract).objects.filter(pk=contract.pk).update(
            title=contract.title + "（修订）"))

    def test_performance_indicator(self):
        leaf = PerformanceIndicator.objects.filter(evaluation=self.pe, score__isnull=False).order_by("id").first()
        self.assertChanges(self.pe, lambda: PerformanceIndicator.objects.filter(pk=leaf.pk).update(
            score=leaf.score - Decimal("0.5")))
        self.assertChanges(self.pe, lambda: PerformanceIndicator.objects.filter(pk=leaf.pk).update(
            reason="新的原因。"))

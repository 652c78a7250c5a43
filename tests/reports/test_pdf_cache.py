"""A report renders once per version of its data: unchanged downloads serve the stored file; a change re-renders."""

from unittest import mock

from django.test import TestCase

from demo.loader import demo_load
from indicators.models import MonthlyActual
from reports import pdf
from reports.models import PerformanceEvaluation, RenderedReport
from reports.pdf_services import rendered_report_fetch, report_source
from stations.models import User

from .pdf_tools import pdf_text, squash


class RenderCacheTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        demo_load()
        cls.pe = PerformanceEvaluation.objects.get(code="jingtai-2023")
        cls.user = User.objects.get(username="street_jingtai")

    def setUp(self):
        self.client.force_login(self.user)
        self.url = f"/reports/performance/{self.pe.code}.pdf"

    def download(self) -> bytes:
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        return b"".join(response.streaming_content)

    def test_second_download_of_an_unchanged_report_renders_nothing(self):
        with mock.patch("reports.pdf.render_pdf", wraps=pdf.render_pdf) as render:
            first = self.download()
            second = self.download()
        self.assertEqual(render.call_count, 1)
        self.assertEqual(first, second)
        self.assertEqual(RenderedReport.objects.filter(code=self.pe.code).count(), 1)

    def test_changing_one_actual_changes_the_next_pdf(self):
        # zhongluotan-2022 (seed 004) prints the year's targets against the actuals; seed 002 (jingtai) does not.
        pe = PerformanceEvaluation.objects.get(code="zhongluotan-2022")
        self.client.force_login(User.objects.get(username="admin"))
        self.url = f"/reports/performance/{pe.code}.pdf"
        with mock.patch("reports.pdf.render_pdf", wraps=pdf.render_pdf) as render:
            before = self.download()
            self.assertIn("专业个案接案数个案90104115.56%", squash(pdf_text(before, layout=True)))
            actual = MonthlyActual.objects.filter(contract=pe.contract, indicator__code="case_intake").earliest("month")
            actual.value += 10
            actual.save()
            after = self.download()
            again = self.download()
        self.assertEqual(render.call_count, 2)
        self.assertNotEqual(before, after)
        self.assertEqual(after, again)
        self.assertIn("专业个案接案数个案90114126.67%", squash(pdf_text(after, layout=True)))
        # Only the current version is kept.
        rendered = RenderedReport.objects.filter(code=pe.code)
        self.assertEqual(rendered.count(), 1)

    def test_superseded_file_is_deleted(self):
        with mock.patch("reports.pdf.render_pdf", side_effect=lambda html, **kw: b"%PDF-" + html[-40:].encode()):
            old, _ = rendered_report_fetch(source=report_source(self.pe))
            storage, old_name = old.file.storage, old.file.name
            self.pe.conclusion = "新的评价结论。"
            self.pe.save(update_fields=["conclusion"])
            with self.captureOnCommitCallbacks(execute=True):
                new, _ = rendered_report_fetch(source=report_source(self.pe))
        self.assertNotEqual(old.fingerprint, new.fingerprint)
        self.assertFalse(storage.exists(old_name))
        self.assertTrue(new.file.storage.exists(new.file.name))

    def test_template_or_stylesheet_version_is_part_of_the_fingerprint(self):
        html = report_source(self.pe).html()
        base = pdf.html_fingerprint(html)
        self.assertEqual(base, pdf.html_fingerprint(html))
        with mock.patch.object(pdf, "RENDERER_VERSION", pdf.RENDERER_VERSION + "-next"):
            self.assertNotEqual(base, pdf.html_fingerprint(html))
        with mock.patch.object(pdf, "_stylesheet_digest", return_value="other"):
            self.assertNotEqual(base, pdf.html_fingerprint(html))
        self.assertNotEqual(base, pdf.html_fingerprint(html.replace("95.48", "95.49")))

    def test_missing_file_is_rendered_again(self):
        with mock.patch("reports.pdf.render_pdf", return_value=b"%PDF-1") as render:
            first, _ = rendered_report_fetch(source=report_source(self.pe))
            first.file.storage.delete(first.file.name)
            second, _ = rendered_report_fetch(source=report_source(self.pe))
        self.assertEqual(render.call_count, 2)
        self.assertEqual(first.pk, second.pk)
        self.assertTrue(second.file.storage.exists(second.file.name))

    def test_fingerprint_costs_the_builder_queries_only(self):
        with self.assertNumQueries(10):  # see TemplatesRunNoQueriesTests; the 10th looks up the closed survey (issue 14)
            pdf.html_fingerprint(report_source(self.pe).html())

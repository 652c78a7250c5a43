"""Safety of the PDF rendering: WeasyPrint fetches only the project's static files; user text is escaped."""

from django.test import SimpleTestCase, TestCase

from demo.loader import demo_load
from reports import pdf
from reports.charts import BarSeries, completion_bar_chart
from reports.models import Evaluation, Finding, Party, PerformanceEvaluation
from reports.pdf_services import report_source

from .pdf_tools import capture_weasyprint_log, pdf_image_count, pdf_text, squash

HOSTILE = (
    '<img src="file:///etc/passwd"> <img src="https://example.com/track.png"> '
    '<link rel="stylesheet" href="http://example.com/x.css"> <script>alert(1)</script> 恶意内容'
)


class StaticOnlyFetcherTests(SimpleTestCase):
    def fetch(self, url):
        log = pdf.FetchLog()
        fetcher = pdf.make_url_fetcher(log)
        return fetcher, log

    def test_serves_the_report_stylesheet_from_the_static_files(self):
        fetcher, log = self.fetch(None)
        response = fetcher.fetch(pdf.BASE_URL + "static/reports/pdf.css")
        self.assertIn(b"@page", response.read())
        self.assertEqual(response.content_type, "text/css")
        self.assertEqual(log.refused, [])

    def test_refuses_everything_else(self):
        for url in [
            "file:///etc/passwd",
            "https://example.com/track.png",
            "http://127.0.0.1:8000/admin/",
            "data:image/png;base64,iVBORw0KGgo=",
            pdf.BASE_URL + "static/../evalportal/settings/base.py",
            pdf.BASE_URL + "static/%2e%2e/manage.py",
            pdf.BASE_URL + "media/reports/x.pdf",
            pdf.BASE_URL + "static/reports/missing.css",
            "https://evil.invalid/static/reports/pdf.css",
            pdf.BASE_URL + "static/reports/pdf.css?x=1",
        ]:
            with self.subTest(url=url):
                fetcher, log = self.fetch(url)
                with self.assertRaises(pdf.RefusedURL):
                    fetcher.fetch(url)
                self.assertEqual(log.refused, [url])

    def test_a_document_pointing_outside_renders_without_fetching(self):
        html = (
            '<html lang="zh-CN"><head><link rel="stylesheet" href="file:///etc/passwd"></head><body>'
            '<p style="font-family: \'Noto Serif CJK SC\'">正文</p><img src="file:///etc/passwd">'
            '<img src="https://example.com/a.png"><img src="/media/x.png"></body></html>'
        )
        log = pdf.FetchLog()
        with capture_weasyprint_log():
            data = pdf.render_pdf(html, fetch_log=log)
        self.assertEqual(log.served, [])
        self.assertEqual(
            sorted(log.refused),
            sorted(["file:///etc/passwd", "file:///etc/passwd", "https://example.com/a.png",
                    pdf.BASE_URL + "media/x.png"]),
        )
        self.assertEqual(pdf_image_count(data), 0)

    def test_chart_labels_are_escaped(self):
        svg = completion_bar_chart(['<img src="file:///etc/passwd">'], [BarSeries(name="<b>片区</b>", rates=[None])])
        self.assertNotIn("<img", svg)
        self.assertIn("&lt;img src=", svg)
        self.assertIn("&lt;b&gt;片区&lt;/b&gt;", svg)


class HostileUserTextTests(TestCase):
    """A finding, a conclusion and a performance text with markup and URLs: printed as text, nothing fetched."""

    @classmethod
    def setUpTestData(cls):
        demo_load()
        evaluation = Evaluation.objects.get(code="xicun-2024-mid")
        Finding.objects.create(
            evaluation=evaluation, party=Party.SUPERVISOR, kind=Finding.Kind.POSITIVE, text=HOSTILE, order=99
        )
        evaluation.conclusion = HOSTILE
        evaluation.save(update_fields=["conclusion"])
        pe = PerformanceEvaluation.objects.get(code="zhongluotan-2022")
        pe.problems = HOSTILE
        pe.save(update_fields=["problems"])
        cls.evaluation = evaluation
        cls.pe = pe

    def test_markup_in_findings_is_escaped_in_the_html(self):
        html = report_source(self.evaluation).html()
        self.assertNotIn('<img src="file:///etc/passwd">', html)
        self.assertNotIn("<script>", html)
        self.assertIn("&lt;img src=&quot;file:///etc/passwd&quot;&gt;", html)

    def test_pdf_embeds_nothing_and_fetches_only_static_files(self):
        for obj in [self.pe, self.evaluation]:
            with self.subTest(code=obj.code):
                log = pdf.FetchLog()
                with capture_weasyprint_log() as messages:
                    data = pdf.render_pdf(report_source(obj).html(), fetch_log=log)
                self.assertEqual(log.refused, [])
                self.assertEqual(log.served, [pdf.BASE_URL + "static/reports/pdf.css"])
                self.assertEqual(messages, [])
                self.assertEqual(pdf_image_count(data), 0)
                # The text is printed literally, as the user typed it.
                self.assertIn('<imgsrc="file:///etc/passwd">', squash(pdf_text(data)))

"""Report sources and the rendered-file cache (issue 5), below both the ZIP bundles (pdf_services) and the signed
archive (reports.archive), which each build on them.

- `ReportSource` / `report_source`: an evaluation or 绩效评价 with its template and how to build its context;
- `rendered_report_fetch` renders a report once per version of the data behind it and keeps the file: the version is
  `pdf.html_fingerprint` of the report's HTML (built context + template + stylesheet), computed in ~50 ms against
  ~2 s for a render. Older versions of the same report are deleted once a newer one is stored.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.text import get_valid_filename

from . import pdf
from .builders import build_evaluation_report_context, build_performance_report_context
from .models import Evaluation, PerformanceEvaluation, RenderedReport

logger = logging.getLogger("reports.pdf_services")  # the name operators and tests already filter on

EVALUATION_TEMPLATE = "reports/pdf/evaluation.html"
PERFORMANCE_TEMPLATE = "reports/pdf/performance.html"


class ReportNotFound(LookupError):
    pass


@dataclass(frozen=True)
class ReportSource:
    """A report to render: its kind, code, title and how to build its HTML."""

    kind: str
    code: str
    obj: Evaluation | PerformanceEvaluation

    @property
    def template(self) -> str:
        return EVALUATION_TEMPLATE if self.kind == RenderedReport.Kind.EVALUATION else PERFORMANCE_TEMPLATE

    def context(self) -> dict:
        if self.kind == RenderedReport.Kind.EVALUATION:
            return build_evaluation_report_context(self.obj)
        return build_performance_report_context(self.obj)

    def html(self) -> str:
        return pdf.render_html(self.template, self.context())


def report_source(obj: Evaluation | PerformanceEvaluation) -> ReportSource:
    kind = RenderedReport.Kind.EVALUATION if isinstance(obj, Evaluation) else RenderedReport.Kind.PERFORMANCE
    return ReportSource(kind=kind, code=obj.code, obj=obj)


def report_source_for_code(code: str) -> ReportSource:
    """An evaluation or performance evaluation by its code (render_report); ReportNotFound otherwise."""
    evaluation = Evaluation.objects.filter(code=code).first()
    if evaluation is not None:
        return report_source(evaluation)
    pe = PerformanceEvaluation.objects.filter(code=code).first()
    if pe is not None:
        return report_source(pe)
    raise ReportNotFound(code)


def report_filename(rendered: RenderedReport, title: str) -> str:
    """The download name: the report's title, e.g. "广州市西村街社工服务站 中期评估报告.pdf"."""
    return f"{title.strip() or rendered.code}.pdf"


def _delete_files(names: list[str], storage) -> None:
    for name in names:
        try:
            storage.delete(name)
        except OSError:  # already gone: nothing to keep
            logger.warning("PDF: could not delete superseded report file %s", name)


def rendered_report_fetch(*, source: ReportSource) -> tuple[RenderedReport, str]:
    """The stored PDF for the current data of `source`, rendering it only when no stored file matches.

    Returns (rendered report, title). Rendering happens outside any transaction (it takes seconds); storing is
    atomic and tolerates a concurrent download storing the same version first.
    """
    context = source.context()
    html = pdf.render_html(source.template, context)
    title = context["report"]["title"]
    fingerprint = pdf.html_fingerprint(html)
    existing = RenderedReport.objects.filter(kind=source.kind, code=source.code, fingerprint=fingerprint).first()
    if existing is not None and existing.file and existing.file.storage.exists(existing.file.name):
        return existing, title

    started = time.perf_counter()
    data = pdf.render_pdf(html)
    seconds = Decimal(f"{time.perf_counter() - started:.3f}")
    logger.info("PDF: rendered %s %s in %s s (%d bytes)", source.kind, source.code, seconds, len(data))

    filename = get_valid_filename(f"{source.kind}-{source.code}-{fingerprint[:12]}.pdf")
    try:
        with transaction.atomic():
            rendered, created = RenderedReport.objects.select_for_update().get_or_create(
                kind=source.kind, code=source.code, fingerprint=fingerprint,
                defaults={"size": len(data), "render_seconds": seconds},
            )
            if created or not rendered.file or not rendered.file.storage.exists(rendered.file.name):
                rendered.size = len(data)
                rendered.render_seconds = seconds
                rendered.file.save(filename, ContentFile(data), save=False)
                rendered.full_clean()
                rendered.save()
            superseded = list(
                RenderedReport.objects.filter(kind=source.kind, code=source.code).exclude(pk=rendered.pk)
            )
            names = [r.file.name for r in superseded if r.file]
            RenderedReport.objects.filter(pk__in=[r.pk for r in superseded]).delete()
            storage = rendered.file.storage
            transaction.on_commit(lambda: _delete_files(names, storage))
    except IntegrityError:
        # Another download stored this version between our lookup and our insert: serve theirs.
        rendered = RenderedReport.objects.get(kind=source.kind, code=source.code, fingerprint=fingerprint)
    return rendered, title

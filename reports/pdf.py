"""The one module that calls WeasyPrint (STYLE.md "Templates"; issue 5).

- `render_html(template, context)` renders a report template to the HTML WeasyPrint will lay out;
- `html_fingerprint(html)` is the version of that report: the HTML holds every figure of the built context and the
  template's output, plus the stylesheet's bytes and `RENDERER_VERSION`, so equal fingerprints give equal PDFs;
- `render_pdf(html)` lays it out; `render_archival_pdf(html, attachments=…)` lays it out as PDF/A-3b with embedded
  files (the archived, signed report of reports.archive). WeasyPrint is imported inside the function: the import alone costs ~0.9 s
  (ENVIRONMENT.md), which web workers must not pay at start-up or for pages that never render a PDF;
- `StaticOnlyFetcher` is the only way resources reach WeasyPrint: `/static/…` URLs of the report's own base URL are
  served from the project's static files (staticfiles finders); `file://`, `http(s)://` anywhere else, `data:` and
  everything else is refused and recorded, so a finding with `<img src="file:///etc/passwd">` embeds nothing even if
  escaping ever failed.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import posixpath
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

# Bump when the rendering changes in a way the HTML does not show (WeasyPrint options, fetcher rules).
RENDERER_VERSION = "2"  # 2: tagged PDFs (REPORT_PDF_TAGS)
# Tagged PDF (the structure PDF/UA asks for) on every report: measured with bench/bench_pdf.py --tags (README).
REPORT_PDF_TAGS = True
# Never resolvable (RFC 2606 .invalid): a relative URL in a report resolves here and nowhere on the network.
BASE_URL = "https://evalportal.invalid/"
STATIC_PREFIX = "/static/"
REPORT_STYLESHEET = "reports/pdf.css"


class RefusedURL(ValueError):
    """A resource outside the project's static files; WeasyPrint logs it and renders without it."""


@dataclass
class FetchLog:
    """What WeasyPrint asked for during one render: served static paths and refused URLs (tests read both)."""

    served: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    @property
    def requested(self) -> list[str]:
        return self.served + self.refused


def static_path_for(url: str) -> Path | None:
    """The file behind a `/static/…` URL of the report's base URL, found like `collectstatic` finds it; else None."""
    parts = urlsplit(url)
    base = urlsplit(BASE_URL)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or parts.query or parts.fragment:
        return None
    path = unquote(parts.path)
    if not path.startswith(STATIC_PREFIX):
        return None
    relative = path[len(STATIC_PREFIX):]
    normalised = posixpath.normpath(relative)
    if not relative or normalised != relative or normalised.startswith(("../", "/")) or "\\" in relative:
        return None
    try:
        found = finders.find(normalised)
    except SuspiciousFileOperation:
        return None
    return Path(found) if found else None


def make_url_fetcher(log: FetchLog | None = None):
    """A WeasyPrint URLFetcher that serves only the project's static files (see the module docstring)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    fetch_log = log if log is not None else FetchLog()

    class StaticOnlyFetcher(URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols=(), allow_redirects=False)
            self.log = fetch_log

        def fetch(self, url, headers=None):
            path = static_path_for(url)
            if path is None:
                self.log.refused.append(url)
                logger.warning("PDF: refused resource outside the static files: %.200s", url)
                raise RefusedURL(f"只允许使用本系统的静态文件：{url[:200]}")
            self.log.served.append(url)
            mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime_type})

    return StaticOnlyFetcher()


@lru_cache(maxsize=1)
def _stylesheet_digest() -> str:
    found = finders.find(REPORT_STYLESHEET)
    return hashlib.sha256(Path(found).read_bytes()).hexdigest() if found else "missing"


def render_html(template_name: str, context: dict) -> str:
    """The report's HTML. Templates only format what the builder put in the context: they run no queries."""
    return render_to_string(template_name, {**context, "stylesheet_url": STATIC_PREFIX + REPORT_STYLESHEET})


def html_fingerprint(html: str) -> str:
    """sha256 of everything the PDF is made from: the HTML, the stylesheet's bytes and the renderer version."""
    digest = hashlib.sha256()
    for part in (RENDERER_VERSION, _stylesheet_digest(), html):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def render_pdf(
    html: str, *, fetch_log: FetchLog | None = None, pdf_tags: bool | None = None, **options
) -> bytes:
    """Lay out `html` as a PDF (A4 and fonts come from the stylesheet; metadata from <title>/<meta>).

    `pdf_tags` (default `REPORT_PDF_TAGS`) writes a tagged PDF: headings, paragraphs, lists and tables as a structure
    tree a screen reader follows, with the document language from `<html lang="zh-CN">`. Any other keyword is a
    WeasyPrint `write_pdf` option (`pdf_variant="pdf/a-3b"`, `attachments=[…]`, `pdf_identifier=…`) — this module stays
    the only WeasyPrint caller."""
    import weasyprint

    document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=make_url_fetcher(fetch_log))
    return document.write_pdf(pdf_tags=REPORT_PDF_TAGS if pdf_tags is None else pdf_tags, **options)


# PDF/A-3b: archival (fonts embedded, sRGB output intent, XMP metadata) and, unlike PDF/A-1b/2b, allows embedding
# any file, here the JSON of the figures the report was made from (WeasyPrint drops non-PDF attachments for a-1/a-2).
ARCHIVAL_VARIANT = "pdf/a-3b"


@dataclass(frozen=True)
class EmbeddedFile:
    """A file embedded in an archival PDF; `relationship` is PDF/A-3's AFRelationship (ISO 19005-3 6.8)."""

    name: str
    content: bytes
    description: str = ""
    relationship: str = "Data"


def render_archival_pdf(
    html: str, *, attachments: list[EmbeddedFile] = (), fetch_log: FetchLog | None = None
) -> bytes:
    """Lay out `html` as PDF/A-3b with `attachments` embedded (the signed report, reports.archive)."""
    import io

    import weasyprint

    embedded = [
        weasyprint.Attachment(
            file_obj=io.BytesIO(item.content), name=item.name, description=item.description or None,
            relationship=item.relationship,
        )
        for item in attachments
    ]
    return render_pdf(html, fetch_log=fetch_log, pdf_variant=ARCHIVAL_VARIANT, attachments=embedded)

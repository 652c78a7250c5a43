"""System check evalportal.E001: WeasyPrint must embed a CJK font in the PDFs it writes.

Without a Chinese font WeasyPrint draws tofu boxes and still exits 0, and `pdftotext` extracts the right
characters from the broken PDF, so text-only tests pass (shared/ENVIRONMENT.md "WeasyPrint and Chinese").
The check renders a one-line probe and looks at what really went into the PDF: the embedded font names
and the `weasyprint` logger's ".notdef glyph rendered" warnings. It runs with `manage.py check` (and before
runserver, migrate, ...), once per process: about 0.5 s, most of it importing WeasyPrint.
"""

from __future__ import annotations

import functools
import logging
import re
import shutil
import subprocess

from django.core.checks import CheckMessage, Error, register

CHECK_ID = "evalportal.E001"
PDF_FONTS_TAG = "pdf_fonts"

# The family the PDF templates name; with lang="zh-CN" fontconfig picks the SC (simplified) glyph forms.
PROBE_FONT_FAMILY = "Noto Serif CJK SC"
PROBE_TEXT = "社工服务站评估"

_FONT_NAME_RE = re.compile(rb"/FontName\s*/([^\s/<>\[\]()]+)")


def probe_html(font_family: str = PROBE_FONT_FAMILY, text: str = PROBE_TEXT) -> str:
    return f"<html lang=\"zh-CN\"><body style=\"font-family:'{font_family}'\">{text}</body></html>"


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def render_probe(html: str) -> tuple[bytes, list[str]]:
    """Render `html` with WeasyPrint: the uncompressed PDF (font names readable) and the logger's warnings."""
    logger = logging.getLogger("weasyprint")
    capture = _Capture()
    old_level, old_propagate = logger.level, logger.propagate
    # The logger only has a NullHandler and may inherit a level above WARNING: make sure we hear it.
    # WARNING also mutes weasyprint.progress (which logs while importing); no propagation keeps the
    # probe's messages off the console.
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    logger.addHandler(capture)
    try:
        import weasyprint  # ~0.5 s: only when the check runs

        pdf = weasyprint.HTML(string=html).write_pdf(uncompressed_pdf=True)
    finally:
        logger.removeHandler(capture)
        logger.setLevel(old_level)
        logger.propagate = old_propagate
    return pdf, capture.messages


def embedded_font_names(pdf: bytes) -> list[str]:
    """Font names of an uncompressed PDF without the subset prefix: b'/FontName /LWGGBP+Noto-Serif-CJK-SC'."""
    names = {match.decode("latin-1").split("+", 1)[-1] for match in _FONT_NAME_RE.findall(pdf)}
    return sorted(names)


def analyse_probe(pdf: bytes, warnings: list[str]) -> list[str]:
    """What is wrong with a rendered probe, in words; empty when a CJK font was embedded and used."""
    problems = []
    notdef = [message for message in warnings if ".notdef" in message]
    if notdef:
        problems.append(f"WeasyPrint drew {len(notdef)} .notdef glyph(s) (tofu): {notdef[0]}")
    fonts = embedded_font_names(pdf)
    if not any("CJK" in name for name in fonts):
        problems.append(f"no CJK font embedded in the PDF (embedded: {', '.join(fonts) or 'none'})")
    return problems


def fontconfig_chinese_families() -> list[str] | None:
    """Families fontconfig offers for Chinese (`fc-list ':lang=zh-cn'`); None when fc-list is not installed."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        result = subprocess.run(
            [fc_list, ":lang=zh-cn", "family"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return sorted({line.strip() for line in result.stdout.splitlines() if line.strip()})


@functools.lru_cache(maxsize=8)
def cjk_font_problems(html: str | None = None) -> tuple[str, ...]:
    """Render the probe once per process (per html) and return its problems."""
    # With no Chinese font (or no font at all) rendering is pointless, and with no font Pango can crash.
    if fontconfig_chinese_families() == []:
        return ("fontconfig knows no Chinese font (`fc-list ':lang=zh-cn'` is empty)",)
    try:
        pdf, warnings = render_probe(html or probe_html())
    except (ImportError, OSError) as exc:  # WeasyPrint or its system libraries (pango, harfbuzz) missing
        return (f"WeasyPrint cannot render a PDF: {exc}",)
    return tuple(analyse_probe(pdf, warnings))


@register(PDF_FONTS_TAG)
def check_cjk_pdf_font(app_configs=None, **kwargs) -> list[CheckMessage]:
    problems = cjk_font_problems()
    if not problems:
        return []
    return [
        Error(
            "PDF reports cannot embed a Chinese font: " + "; ".join(problems) + ".",
            hint="On Debian 12: apt-get install fonts-noto-cjk libharfbuzz-subset0 "
            "(bash scripts/install.sh does it); `fc-list ':lang=zh-cn'` must list Noto CJK SC fonts.",
            id=CHECK_ID,
        )
    ]

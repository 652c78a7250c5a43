"""Helpers for the PDF tests: poppler's pdftotext/pdffonts/pdfinfo/pdfimages, the weasyprint logger, bookmarks."""

from __future__ import annotations

import contextlib
import logging
import re
import subprocess
import tempfile
import zlib
from pathlib import Path


def _run(tool: str, data: bytes, *args: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.pdf"
        path.write_bytes(data)
        command = [tool, *args, str(path)] + (["-"] if tool == "pdftotext" else [])
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def pdf_text(data: bytes, *, layout: bool = False, first: int | None = None, last: int | None = None) -> str:
    args = ["-layout"] if layout else []
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    return _run("pdftotext", data, *args)


def pdf_fonts(data: bytes) -> list[dict]:
    """pdffonts rows: name, emb, sub, uni."""
    rows = []
    for line in _run("pdffonts", data).splitlines()[2:]:
        parts = line.split()
        if len(parts) >= 7:
            # name … emb sub uni object ID: the last five columns are fixed.
            rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return rows


def pdf_info(data: bytes, *pages: int) -> str:
    args = []
    if pages:
        args = ["-f", str(pages[0]), "-l", str(pages[-1])]
    return _run("pdfinfo", data, *args)


def pdf_image_count(data: bytes) -> int:
    lines = _run("pdfimages", data, "-list").splitlines()
    return max(len(lines) - 2, 0)


def pdf_outline_titles(data: bytes) -> list[str]:
    """Titles of the bookmarks (and the document title), decoded from the PDF's compressed streams."""
    chunks = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        with contextlib.suppress(zlib.error):
            chunks.append(zlib.decompress(match.group(1)))
    titles = []
    for chunk in chunks:
        for raw in re.findall(rb"/Title\s*<([0-9A-Fa-f]+)>", chunk):
            titles.append(bytes.fromhex(raw.decode()).decode("utf-16"))
    return titles


class CapturingHandler(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def capture_weasyprint_log():
    """Capture the `weasyprint` logger (it only has a NullHandler): the .notdef warning means missing glyphs."""
    logger = logging.getLogger("weasyprint")
    handler = CapturingHandler()
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def squash(text: str) -> str:
    """Text without whitespace: pdftotext breaks lines and spaces Chinese and figures unpredictably."""
    return re.sub(r"\s+", "", text)

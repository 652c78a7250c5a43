"""Crafted .xlsx files for the Excel tests and bench (issue 11 §1–§3, issue 16 §3): generated, never committed.

Each helper rewrites one part of a real workbook's zip package, the way another office suite or a hostile sender
would: a lying or missing `<dimension>`, cells typed as text or as inline strings, rows and columns far beyond the
template.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

from openpyxl.utils import get_column_letter

SHEET1 = "xl/worksheets/sheet1.xml"


def rewrite(data: bytes, member: str, edit: Callable[[str], str]) -> bytes:
    """The package with `member`'s text replaced by edit(text); every other member copied as is."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == member:
                content = edit(content.decode("utf-8")).encode("utf-8")
            dst.writestr(item, content)
    return out.getvalue()


def set_dimension(data: bytes, ref: str | None, member: str = SHEET1) -> bytes:
    """Declare `ref` as the sheet's extent (None: remove the element, as some generators write none)."""
    def edit(text: str) -> str:
        replacement = "" if ref is None else f'<dimension ref="{ref}"/>'
        text, count = re.subn(r"<dimension [^>]*/>", replacement, text)
        assert count == 1, "the sheet has no <dimension>"
        return text
    return rewrite(data, member, edit)


def sheet_xml(data: bytes, member: str = SHEET1) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(member).decode("utf-8")


def replace_cell(data: bytes, ref: str, xml: str, member: str = SHEET1) -> bytes:
    """Replace cell `ref` (which must exist in the file) by the raw `<c>` element `xml`."""
    def edit(text: str) -> str:
        pattern = rf'<c r="{ref}"[^>]*?/>|<c r="{ref}"(?:[^>]*[^/])?>.*?</c>'
        text, count = re.subn(pattern, xml, text, count=1, flags=re.S)
        assert count == 1, f"cell {ref} not found"
        return text
    return rewrite(data, member, edit)


def append_rows(data: bytes, rows_xml: str, member: str = SHEET1) -> bytes:
    """Add raw `<row>` elements at the end of sheetData."""
    return rewrite(data, member, lambda text: text.replace("</sheetData>", rows_xml + "</sheetData>", 1))


def extra_columns_rows(first_row: int, rows: int, first_col: int, cols: int, value: str = "1") -> str:
    """`rows` rows from `first_row`, each with a number in `cols` columns from `first_col` (outside a template)."""
    letters = [get_column_letter(c) for c in range(first_col, first_col + cols)]
    parts = []
    for r in range(first_row, first_row + rows):
        cells = "".join(f'<c r="{letter}{r}"><v>{value}</v></c>' for letter in letters)
        parts.append(f'<row r="{r}">{cells}</row>')
    return "".join(parts)


def add_cells_to_rows(data: bytes, rows: range, first_col: int, cols: int, member: str = SHEET1) -> bytes:
    """Append numbers in `cols` columns from `first_col` to each existing row in `rows`."""
    letters = [get_column_letter(c) for c in range(first_col, first_col + cols)]

    def edit(text: str) -> str:
        for r in rows:
            cells = "".join(f'<c r="{letter}{r}"><v>7</v></c>' for letter in letters)
            text, count = re.subn(rf'(<row r="{r}"[^>]*>.*?)(</row>)', lambda m, cells=cells: m.group(1) + cells + m.group(2),
                                  text, count=1, flags=re.S)
            assert count == 1, f"row {r} not found"
        return text
    return rewrite(data, member, edit)


def staff_rows(first_row: int, rows: int) -> str:
    """`rows` staff rows (序号 and 姓名, an inline string) for the 附件2 layout: ~85 bytes a row."""
    return "".join(
        f'<row r="{r}"><c r="B{r}"><v>{r}</v></c><c r="C{r}" t="inlineStr"><is><t>社工{r}</t></is></c></row>'
        for r in range(first_row, first_row + rows)
    )

"""Safe Excel in and out (issue 3 §6), shared by the indicator and staff-register imports/exports.

Uploads: size limit; a real xlsx (zip magic + the members every workbook has); a zip-bomb guard that reads the
zip directory (member count, total uncompressed size, compression ratio) before openpyxl opens anything; no
DTD or entity declarations in any XML part (openpyxl also parses through defusedxml, which is installed);
then openpyxl in read-only mode. Formula cells are refused by the importers.

Bounded work (issue 11 §1): the XML that openpyxl parses is capped (worksheets, and the parts it parses whole on
opening: shared strings, styles, workbook); rows are read whatever the sheet's `<dimension>` claims (issue 11 §2) up to
one row limit for every import and one cell budget per upload; the first EXCEL_MAX_ERRORS errors are listed and the
rest counted (ErrorList).

Exports (issue 11 §3, issue 16): every text cell is written as a string cell (never a formula or error value, whatever
it starts with) and text starting with = + - @ also gets Excel's quotePrefix, so that no spreadsheet evaluates it even
after the cell is edited; the visible text is unchanged, so the portal's own exports re-import as they are. Sheets print
on A4 fitted to one page wide with repeated header rows, page numbers and the PDF reports' margins (print_setup).
"""

from __future__ import annotations

import functools
import io
import math
import unicodedata
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import openpyxl
from django.conf import settings
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

NOT_XLSX = "文件不是有效的 Excel（.xlsx）文件，请上传用本系统模板填写并保存的 .xlsx 文件。"
TOO_BIG_UNPACKED = "文件解压后过大或压缩比异常，疑似压缩炸弹，已拒绝。"
UNSAFE_XML = "文件包含不安全的 XML 内容（DTD 或实体声明），已拒绝。"
REQUIRED_MEMBERS = ("[Content_Types].xml", "xl/workbook.xml")
WORKSHEET_PREFIX = "xl/worksheets/"
EXCEL_LAST_ROW = 1_048_576
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class UploadRejected(Exception):
    """The whole file is refused; the message is shown to the user as is."""


@dataclass(frozen=True)
class CellError:
    """One problem in an uploaded workbook, located by sheet, row and column (1-based)."""

    sheet: str
    row: int | None
    column: int | None
    message: str

    @property
    def location(self) -> str:
        parts = [f"工作表“{self.sheet}”"]
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.column is not None:
            parts.append(f"第{get_column_letter(self.column)}列")
        return " ".join(parts)

    def __str__(self) -> str:
        return f"{self.location}：{self.message}"


def read_upload(uploaded) -> bytes:
    """The bytes of an uploaded file, refused when larger than settings.EXCEL_UPLOAD_MAX_BYTES."""
    limit = settings.EXCEL_UPLOAD_MAX_BYTES
    if uploaded is None:
        raise UploadRejected("请选择要上传的 .xlsx 文件。")
    if uploaded.size > limit:
        raise UploadRejected(f"文件过大（{uploaded.size / 1048576:.1f} MB），上限为 {limit / 1048576:.0f} MB。")
    data = uploaded.read(limit + 1)
    if len(data) > limit:
        raise UploadRejected(f"文件过大，上限为 {limit / 1048576:.0f} MB。")
    return data


def check_xlsx(data: bytes) -> None:
    """Refuse anything that is not a plain, reasonably sized xlsx package, before openpyxl sees it."""
    if not data.startswith(b"PK\x03\x04"):
        raise UploadRejected(NOT_XLSX)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UploadRejected(NOT_XLSX) from None
    names = {info.filename for info in infos}
    if not all(member in names for member in REQUIRED_MEMBERS):
        raise UploadRejected(NOT_XLSX)
    if len(infos) > settings.EXCEL_MAX_MEMBERS:
        raise UploadRejected(TOO_BIG_UNPACKED)
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > settings.EXCEL_MAX_COMPRESSION_RATIO:
            raise UploadRejected(TOO_BIG_UNPACKED)
    if total > settings.EXCEL_MAX_UNCOMPRESSED_BYTES:
        raise UploadRejected(TOO_BIG_UNPACKED)
    xml = [info for info in infos if info.filename.endswith((".xml", ".rels"))]
    sheets = sum(i.file_size for i in xml if i.filename.startswith(WORKSHEET_PREFIX) and i.filename.endswith(".xml"))
    if sheets > settings.EXCEL_MAX_SHEET_XML_BYTES:
        raise UploadRejected(
            f"工作表内容过大（解压后 {sheets / 1048576:.1f} MB，上限为 {_mb(settings.EXCEL_MAX_SHEET_XML_BYTES)} MB），"
            "已拒绝：请只保留模板中的行和列后再上传。"
        )
    # shared strings, styles, workbook and the like: openpyxl parses these whole when it opens the file
    others = sum(i.file_size for i in xml if not i.filename.startswith(WORKSHEET_PREFIX)
                 and not i.filename.startswith(("xl/drawings/", "xl/charts/")))
    if others > settings.EXCEL_MAX_OTHER_XML_BYTES:
        raise UploadRejected(
            f"文件中的共享字符串、样式等部分过大（解压后 {others / 1048576:.1f} MB，上限为 "
            f"{_mb(settings.EXCEL_MAX_OTHER_XML_BYTES)} MB），已拒绝：请把数据复制到本系统下载的模板中再上传。"
        )
    try:
        for info in infos:
            if info.filename.endswith((".xml", ".rels")):
                with archive.open(info) as member:
                    head = member.read()
                upper = head.upper()
                if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
                    raise UploadRejected(UNSAFE_XML)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError):
        raise UploadRejected(NOT_XLSX) from None


def open_workbook(data: bytes):
    """A read-only openpyxl workbook of checked bytes (formulas kept as formulas so that they can be refused)."""
    check_xlsx(data)
    with reading_package():
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)


@contextmanager
def reading_package():
    """Turn openpyxl's errors on a damaged or hostile package into UploadRejected. Read-only worksheets are parsed
    lazily, so importers wrap their row iteration in this too."""
    from defusedxml import DefusedXmlException

    try:
        yield
    except UploadRejected:
        raise
    except Exception as exc:  # openpyxl raises many types for a damaged package, wrapping defusedxml's
        cause = exc
        while cause is not None:
            if isinstance(cause, DefusedXmlException):
                raise UploadRejected(UNSAFE_XML) from None
            cause = cause.__cause__ or cause.__context__
        raise UploadRejected(NOT_XLSX) from None


def _mb(n: int) -> str:
    return f"{n / 1048576:g}"


# --- reading: bounded, whatever the file claims -------------------------------------------------------------------


class ErrorList(list):
    """The errors of one upload: the first `limit` are kept (and listed to the user), the rest only counted.

    `stop()` records why checking ended early (row limit, cell budget): that error is always kept and listed last.
    `cells_read` is the upload's cell budget, shared by all its sheets.
    """

    def __init__(self, limit: int | None = None):
        super().__init__()
        self.limit = settings.EXCEL_MAX_ERRORS if limit is None else limit
        self.more = 0
        self.stopped = False
        self.cells_read = 0

    def append(self, error: CellError) -> None:
        listed = len(self) - (1 if self.stopped else 0)
        if listed >= self.limit:
            self.more += 1
        elif self.stopped:
            self.insert(listed, error)  # the stop notice stays last
        else:
            super().append(error)

    def stop(self, error: CellError) -> None:
        if not self.stopped:
            super().append(error)
            self.stopped = True

    @property
    def total(self) -> int:
        """Errors found (listed + counted), the stop notice included."""
        return len(self) + self.more

    def clear(self) -> None:
        super().clear()
        self.more = 0
        self.stopped = False


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def sheet_rows(ws, errors: ErrorList, *, sheet: str, last_row: int):
    """(row number, cells) for every row of a read-only worksheet, whatever its `<dimension>` says (openpyxl trusts
    it in read-only mode: a file declaring A1:J10 would lose row 20), rows missing from the file included as empty.

    Bounded: stops at the first non-empty row after `last_row` (the import's row limit) and when the upload's cell
    budget (settings.EXCEL_MAX_CELLS, openpyxl's padding from column A and empty rows included) is spent, recording
    the reason with errors.stop().
    """
    budget = settings.EXCEL_MAX_CELLS
    ws.reset_dimensions()
    for index, row in enumerate(ws.iter_rows(), start=1):
        # rows missing from the file come as empty tuples (cheap); Excel's last row bounds them
        errors.cells_read += len(row)
        if errors.cells_read > budget or index > EXCEL_LAST_ROW:
            errors.stop(CellError(sheet, index, None, f"文件内容超出检查上限（{budget} 个单元格），已停止检查："
                                                      "请只保留模板中的行和列后再上传。"))
            return
        if index > last_row:
            if any(not _blank(cell.value) for cell in row):
                errors.stop(CellError(sheet, index, None, f"超过行数上限（每次最多导入 {settings.EXCEL_MAX_ROWS} 行数据），"
                                                          "已停止检查：请分批导入。"))
                return
            continue
        yield index, row


def first_value(ws, errors: ErrorList, *, sheet: str) -> tuple[int, int] | None:
    """(row, column) of the first non-blank cell of a read-only worksheet, None when it is empty (within the budget)."""
    for index, row in sheet_rows(ws, errors, sheet=sheet, last_row=1 << 30):
        for column, cell in enumerate(row, start=1):
            if not _blank(cell.value):
                return index, column
    return None


def check_extra_sheets(wb, sheet: str, errors: ErrorList) -> None:
    """Sheets other than `sheet` are ignored when empty (an office suite's default "Sheet2"), refused when they hold
    anything (named by their first filled cell)."""
    for name in wb.sheetnames:
        if name != sheet:
            where = first_value(wb[name], errors, sheet=name)
            if where is not None:
                errors.append(CellError(name, where[0], where[1],
                                        f"多余的工作表“{name}”有内容：文件只能包含工作表“{sheet}”，请删除该工作表。"))


class ExtraColumns:
    """Cells filled outside the template's columns: one error per column (its first row and how many cells), not
    one per cell."""

    def __init__(self, sheet: str, width: int):
        self.sheet, self.width = sheet, width
        self.columns: dict[int, list[int]] = {}  # column → [first row, count]

    def check(self, row_index: int, values: list) -> None:
        for column in range(self.width + 1, len(values) + 1):
            if not _blank(values[column - 1]):
                seen = self.columns.get(column)
                if seen is None:
                    self.columns[column] = [row_index, 1]
                else:
                    seen[1] += 1

    def report(self, errors: ErrorList) -> None:
        last = get_column_letter(self.width)
        for column, (row, count) in sorted(self.columns.items()):
            more = f"本列共 {count} 个单元格有内容，" if count > 1 else ""
            errors.append(CellError(self.sheet, row, column, f"模板只有 A–{last} 列，模板之外的列不能填写（{more}请删除）。"))


# --- writing --------------------------------------------------------------------------------------------------------


def _keep_text(workbook) -> None:
    """Every text cell stays text: openpyxl turns a str starting with "=" into a formula (and "#N/A" into an error
    value) on assignment; write them back as strings, with quotePrefix where a spreadsheet would evaluate the text
    once the cell is edited. The visible text is not changed."""
    for ws in workbook.worksheets:
        for cell in ws._cells.values():  # the cells that exist (iter_rows would create every blank one)
            value = cell.value
            if isinstance(value, str):
                if cell.data_type != "s":
                    cell.data_type = "s"
                if value.startswith(FORMULA_PREFIXES):
                    cell.quotePrefix = True


def workbook_bytes(workbook) -> bytes:
    _keep_text(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def quantity_format(value, places: int, *, money: bool = False) -> str:
    """The number format that prints a value as the seeds do: money #,##0.00; otherwise no decimals for a whole
    number and only the decimals it has (up to `places`): 1080 → "0", 783.5 → "0.0". A number format cannot drop the
    decimal only when it is zero, so this is chosen per cell."""
    if money:
        return "#,##0.00"
    if value is None or places == 0:
        return "0"
    exponent = Decimal(str(value)).normalize().as_tuple().exponent
    needed = min(places, max(0, -exponent)) if isinstance(exponent, int) else places
    return "0" if needed == 0 else "0." + "0" * needed


@functools.lru_cache(maxsize=4096)  # a template repeats its 片区 and indicator names on thousands of rows
def _text_width(text: str) -> float:
    # a CJK glyph of the fallback font is a little wider than two digits of the default one
    return sum(2.2 if unicodedata.east_asian_width(ch) in "WF" else 1.1 for ch in text)


def text_width(value) -> float:
    """Display width in Excel column units: CJK (wide) characters count 2.2, others 1.1."""
    return _text_width(value if isinstance(value, str) else str(value))


def fit_columns(ws, *, header_rows: range, first_data_row: int, last_row: int, last_column: int,
                minimum: float = 6, maximum: float = 40, header_lines: int = 1) -> None:
    """Columns wide enough for their Chinese headers (a header may wrap onto `header_lines` lines per row it spans,
    one merged over several columns shares their widths) and for the data below (up to `maximum`)."""
    widths = [minimum] * (last_column + 1)
    spans = {}
    for merged in ws.merged_cells.ranges:
        spans[(merged.min_row, merged.min_col)] = (merged.max_row - merged.min_row + 1, merged.min_col, merged.max_col)
    spread = []
    for r in header_rows:
        for c in range(1, last_column + 1):
            value = ws.cell(row=r, column=c).value
            if value is None or isinstance(ws.cell(row=r, column=c), openpyxl.cell.cell.MergedCell):
                continue
            lines, c0, c1 = spans.get((r, c), (1, c, c))
            needed = text_width(value) / (lines * header_lines) + 2.5
            if c1 > c0:
                spread.append((c0, c1, needed))
            else:
                widths[c] = max(widths[c], needed)
    for row in ws.iter_rows(min_row=first_data_row, max_row=last_row, max_col=last_column):
        for cell in row:
            if cell.value is None or (cell.row, cell.column) in spans:
                continue
            if isinstance(cell.value, str):
                needed = text_width(cell.value) + 2
            elif isinstance(cell.value, int | float | Decimal):
                needed = len(f"{cell.value:,.2f}" if "#,##" in cell.number_format else str(cell.value)) * 1.1 + 2
            else:
                continue
            widths[cell.column] = max(widths[cell.column], min(needed, maximum))
    for c0, c1, needed in spread:
        have = sum(widths[c0:c1 + 1])
        if have < needed:
            extra = (needed - have) / (c1 - c0 + 1)
            for c in range(c0, c1 + 1):
                widths[c] += extra
    for c in range(1, last_column + 1):
        ws.column_dimensions[get_column_letter(c)].width = math.ceil(widths[c] * 2) / 2


MM_PER_INCH = 25.4
# the PDF reports' margins (static/reports/pdf.css): @page wide (A4 landscape) and @page (A4 portrait), in mm
LANDSCAPE_MARGINS = {"top": 18, "right": 12, "bottom": 15, "left": 12}
PORTRAIT_MARGINS = {"top": 24, "right": 20, "bottom": 20, "left": 22}
FOOTER = "第 &P 页 共 &N 页"


def column_width_mm(width: float) -> float:
    """An Excel column width (characters of the default font, 7 px each plus 5 px padding at 96 dpi) in mm."""
    return (width * 7 + 5) / 96 * MM_PER_INCH


def print_setup(ws, *, last_row: int, last_column: int, header_rows: tuple[int, int] | None) -> None:
    """Print as the official tables: A4, landscape when the table is wider than a portrait page, fitted to one page
    wide (rows may run onto further pages), header rows repeated on every page, "第 N 页 共 M 页" in the footer, the
    PDF reports' margins, the print area, the title (row 1, merged over every column) centred over the printed width.
    Column widths must be set before (they decide the orientation)."""
    table_mm = sum(column_width_mm(ws.column_dimensions[get_column_letter(c)].width or 8.43)
                   for c in range(1, last_column + 1))
    portrait = PORTRAIT_MARGINS
    landscape = table_mm > 210 - portrait["left"] - portrait["right"]
    margins = LANDSCAPE_MARGINS if landscape else portrait
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.page_margins.left = margins["left"] / MM_PER_INCH
    ws.page_margins.right = margins["right"] / MM_PER_INCH
    ws.page_margins.top = margins["top"] / MM_PER_INCH
    ws.page_margins.bottom = margins["bottom"] / MM_PER_INCH
    ws.page_margins.header = 8 / MM_PER_INCH
    ws.page_margins.footer = 6 / MM_PER_INCH
    ws.oddFooter.center.text = FOOTER
    ws.oddFooter.center.size = 9
    if header_rows:
        ws.print_title_rows = f"{header_rows[0]}:{header_rows[1]}"
    ws.print_area = f"A1:{get_column_letter(last_column)}{last_row}"
    ws.print_options.horizontalCentered = True
    title = ws.cell(row=1, column=1)
    title.alignment = Alignment(horizontal="center", vertical="center")


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

"""Safe Excel in and out (issue 3 §6), shared by the indicator and staff-register imports/exports.

Uploads: size limit; a real xlsx (zip magic + the members every workbook has); a zip-bomb guard that reads the
zip directory (member count, total uncompressed size, compression ratio) before openpyxl opens anything; no
DTD or entity declarations in any XML part (openpyxl also parses through defusedxml, which is installed);
then openpyxl in read-only mode. Formula cells are refused by the importers.
Exports: text cells starting with =, +, -, @ (or a tab/CR) are prefixed with a quote so that spreadsheet
programs show them as text instead of running them (CSV/formula injection).
"""

from __future__ import annotations

import io
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass

import openpyxl
from django.conf import settings
from openpyxl.utils import get_column_letter

NOT_XLSX = "文件不是有效的 Excel（.xlsx）文件，请上传用本系统模板填写并保存的 .xlsx 文件。"
TOO_BIG_UNPACKED = "文件解压后过大或压缩比异常，疑似压缩炸弹，已拒绝。"
UNSAFE_XML = "文件包含不安全的 XML 内容（DTD 或实体声明），已拒绝。"
REQUIRED_MEMBERS = ("[Content_Types].xml", "xl/workbook.xml")
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


def safe_text(value):
    """Neutralise text that a spreadsheet would run as a formula ("=cmd|…" → "'=cmd|…"); numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def workbook_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

"""Rosters (名单) for the survey sample, read from Excel: 姓名, 电话, 片区, 服务类型 (issue 14 §2).

Bounded like every import (evalportal.xlsx): at most settings.EXCEL_MAX_ROWS rows and the upload's cell budget, read
whatever the file's <dimension> claims; the first EXCEL_MAX_ERRORS errors are listed and the rest counted; reading
stops once the list is full; every error names its row and column; nothing is saved unless the whole file is valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from evalportal.xlsx import (
    CellError,
    ErrorList,
    ExtraColumns,
    open_workbook,
    print_setup,
    reading_package,
    sheet_rows,
    workbook_bytes,
)

HEADERS = ["姓名", "电话", "片区", "服务类型"]
PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")


@dataclass
class RosterRow:
    row: int
    name: str
    phone: str
    area: str
    service_type: str


@dataclass
class ParsedRoster:
    rows: list[RosterRow] = field(default_factory=list)
    errors: ErrorList = field(default_factory=ErrorList)

    @property
    def more_errors(self) -> int:
        return self.errors.more


def roster_template() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "名单"
    for col, header in enumerate(HEADERS, start=1):
        cell = ws.cell(row=1, column=col, value=header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for letter, width in zip("ABCD", (14, 16, 12, 18), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=2, max_row=200, min_col=2, max_col=2):
        row[0].number_format = "@"  # phone numbers stay text (leading 0 of landlines)
    print_setup(ws, last_row=200, last_column=len(HEADERS), header_rows=(1, 1))
    return workbook_bytes(wb)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_roster(data: bytes) -> ParsedRoster:
    result = ParsedRoster()
    with reading_package():
        wb = open_workbook(data)
        ws = wb.worksheets[0]

        def err(row: int | None, col: int | None, message: str) -> None:
            result.errors.append(CellError(ws.title, row, col, message))

        # every row whatever the file's <dimension> claims, bounded by the row limit and the cell budget
        rows = sheet_rows(ws, result.errors, sheet=ws.title, last_row=1 + settings.EXCEL_MAX_ROWS)
        first = next(rows, None)
        header = [_text(c.value) for c in first[1]][: len(HEADERS)] if first and first[0] == 1 else []
        if header != HEADERS:
            err(1, None, f"表头应为“{'、'.join(HEADERS)}”，请使用本系统的名单模板。")
            return result
        seen: dict[str, int] = {}
        extra_columns = ExtraColumns(ws.title, len(HEADERS))
        for number, cells in rows:
            values = [c.value for c in cells]
            extra_columns.check(number, values)
            values = values[: len(HEADERS)] + [None] * max(0, len(HEADERS) - len(values))
            texts = [_text(v) for v in values]
            if not any(texts):
                continue
            name, phone, area, service_type = texts
            ok = True
            if not name:
                err(number, 1, "姓名不能为空。")
                ok = False
            elif len(name) > 50:
                err(number, 1, "姓名不能超过 50 个字。")
                ok = False
            digits = phone.replace(" ", "")
            if not PHONE.match(digits):
                err(number, 2, f"电话“{phone}”格式不正确（应为 11 位手机号码或带区号的固定电话）。")
                ok = False
            elif digits in seen:
                err(number, 2, f"电话与第{seen[digits]}行重复。")
                ok = False
            if len(area) > 30:
                err(number, 3, "片区不能超过 30 个字。")
                ok = False
            if len(service_type) > 50:
                err(number, 4, "服务类型不能超过 50 个字。")
                ok = False
            if ok:
                seen[digits] = number
                result.rows.append(RosterRow(number, name, digits, area, service_type))
            if result.errors.more:
                # the list is full: stop reading, and say so (the count is then a lower bound, "至少")
                result.errors.stop(CellError(ws.title, number, None, f"错误超过 {result.errors.limit} 处，已停止检查："
                                                                     "请改正以上错误后重新上传。"))
                break
        extra_columns.report(result.errors)
        if not result.rows and not result.errors:
            err(None, None, "名单中没有联系人。")
    return result

"""Rosters (名单) for the survey sample, read from Excel: 姓名, 电话, 片区, 服务类型 (issue 14 §2).

Bounded: at most ROSTER_MAX_ROWS rows, and reading stops after MAX_ERRORS errors; every error names its row and
column; nothing is saved unless the whole file is valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from evalportal.xlsx import CellError, open_workbook, reading_package, workbook_bytes

HEADERS = ["姓名", "电话", "片区", "服务类型"]
ROSTER_MAX_ROWS = 5000
MAX_ERRORS = 200
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
    errors: list[CellError] = field(default_factory=list)
    more_errors: int = 0


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
        ws.reset_dimensions()  # read every row, whatever the file's <dimension> claims

        def err(row: int | None, col: int | None, message: str) -> None:
            if len(result.errors) < MAX_ERRORS:
                result.errors.append(CellError(ws.title, row, col, message))
            else:
                result.more_errors += 1

        rows = ws.iter_rows(values_only=True)
        header = [_text(v) for v in next(rows, ())][: len(HEADERS)]
        if header != HEADERS:
            err(1, None, f"表头应为“{'、'.join(HEADERS)}”，请使用本系统的名单模板。")
            return result
        seen: dict[str, int] = {}
        for number, values in enumerate(rows, start=2):
            values = list(values)[: len(HEADERS)] + [None] * max(0, len(HEADERS) - len(values))
            texts = [_text(v) for v in values[: len(HEADERS)]]
            if not any(texts):
                continue
            if len(result.rows) >= ROSTER_MAX_ROWS:
                err(number, None, f"名单最多 {ROSTER_MAX_ROWS} 行，其余行未读取。")
                break
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
            if result.more_errors:
                break
        if not result.rows and not result.errors:
            err(None, None, "名单中没有联系人。")
    return result

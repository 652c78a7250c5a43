"""Excel for the staff register in the 附件2 layout (seed 001 附件2; issue 3 §6).

Layout (sheet “社工到岗情况”):
  row 1  title; row 2  年度服务协议时间
  row 3  类型 | 序号 | 姓名 | 职位 | 岗位资格证/资质 | 合同期限 | <2025年1月 over 3 columns> … | 人员到岗小计 | 2年以上的社工到岗小计 | 备注
  row 4  (merged above)                                        | 人员到位 | 社保购买 | 工资发放 | …
  rows   certified staff, 小计, uncertified staff, 小计, 总计.
人员到位 is written as a number (1, 0.5, 0) so that the sheet can be imported back; 社保/工资 as “√”.
Import reads the same layout: staff rows are those with a 序号 and a 姓名 matching the register; 小计/总计 rows
are skipped; month columns come from row 3 and must lie in the contract period.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from evalportal.periods import month_in_period
from evalportal.xlsx import CellError, open_workbook, reading_package, safe_text, workbook_bytes

from .changes import ON_POST_VALUES
from .models import Contract, StaffMember, StaffMonth

SHEET = "社工到岗情况"
FIXED = ["类型", "序号", "姓名", "职位", "岗位资格证/资质", "合同期限"]
SUB = ["人员到位", "社保购买", "工资发放"]
TAIL = ["人员到岗小计", "2年以上的社工到岗小计", "备注"]
HEAD1, HEAD2, FIRST_ROW = 3, 4, 5
CHECK = "√"
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
MONTH_RE = re.compile(r"^(\d{4})年(\d{1,2})月$")


def _num(value: Decimal):
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True)
class _BlankRow:
    """A register member without month records in the period: listed so that the sheet can be filled in."""

    staff: StaffMember
    months: list
    effective: Decimal = Decimal(0)
    two_years: Decimal = Decimal(0)


def staff_workbook(table, also_staff: list[StaffMember] | None = None) -> bytes:
    """附件2 of a 考核期 from stations.selectors.staff_on_post_table.

    `also_staff`: register members on post during the period but without month records yet; they are listed (with
    empty months) after those with records, so that the exported sheet doubles as the import template.
    """
    contract = table.contract
    months = table.months
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    last_col = len(FIXED) + 3 * len(months) + len(TAIL)
    ws.cell(row=1, column=1, value=safe_text(f"{contract.station.name}购买服务项目社工到岗情况统计表")).font = Font(
        bold=True, size=14
    )
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last_col)
    ws.cell(row=2, column=1, value=f"年度服务协议时间：{contract.start_date:%Y年%m月%d日}至{contract.end_date:%Y年%m月%d日}")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last_col)
    for i, label in enumerate(FIXED, start=1):
        ws.cell(row=HEAD1, column=i, value=label)
        ws.merge_cells(start_row=HEAD1, start_column=i, end_row=HEAD2, end_column=i)
    for j, month in enumerate(months):
        col = len(FIXED) + 1 + 3 * j
        ws.cell(row=HEAD1, column=col, value=f"{month.year}年{month.month}月")
        ws.merge_cells(start_row=HEAD1, start_column=col, end_row=HEAD1, end_column=col + 2)
        for k, label in enumerate(SUB):
            ws.cell(row=HEAD2, column=col + k, value=label)
    tail_col = len(FIXED) + 3 * len(months) + 1
    for k, label in enumerate(TAIL):
        ws.cell(row=HEAD1, column=tail_col + k, value=label)
        ws.merge_cells(start_row=HEAD1, start_column=tail_col + k, end_row=HEAD2, end_column=tail_col + k)
    for r in (HEAD1, HEAD2):
        for c in range(1, last_col + 1):
            cell = ws.cell(row=r, column=c)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.border = BORDER
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    row_idx = FIRST_ROW

    def staff_row(kind: str, row) -> None:
        nonlocal row_idx
        member = row.staff
        term = member.contract_term
        if member.employment_start:
            term = f"{member.employment_start:%Y.%m.%d}" + (f"-{member.contract_term}" if member.contract_term else "")
        values = [kind, member.order, safe_text(member.name), safe_text(member.title),
                  member.get_certificate_display(), safe_text(term)]
        for facts in row.months:
            if facts is None:
                values += [None, None, None]
            else:
                values += [_num(facts.on_post), CHECK if facts.social_insurance else None,
                           CHECK if facts.salary_paid else None]
        values += [_num(row.effective), _num(row.two_years), safe_text(member.note)]
        for c, value in enumerate(values, start=1):
            ws.cell(row=row_idx, column=c, value=value).border = BORDER
        row_idx += 1

    def subtotal_row(label: str, subtotals, effective, two_years) -> None:
        nonlocal row_idx
        ws.cell(row=row_idx, column=4, value=label).font = Font(bold=True)
        for j, sub in enumerate(subtotals):
            col = len(FIXED) + 1 + 3 * j
            ws.cell(row=row_idx, column=col, value=_num(sub.effective))
            ws.cell(row=row_idx, column=col + 1, value=sub.social_insurance)
            ws.cell(row=row_idx, column=col + 2, value=sub.salary_paid)
        ws.cell(row=row_idx, column=tail_col, value=_num(effective))
        ws.cell(row=row_idx, column=tail_col + 1, value=_num(two_years))
        for c in range(1, last_col + 1):
            ws.cell(row=row_idx, column=c).border = BORDER
        row_idx += 1

    figures = table.figures
    listed = {r.staff.pk for r in table.certified_rows + table.uncertified_rows}
    blanks = [_BlankRow(m, [None] * len(months)) for m in (also_staff or []) if m.pk not in listed]
    for row in table.certified_rows + [b for b in blanks if b.staff.is_certified]:
        staff_row("持证社工", row)
    subtotal_row("持证社工小计", table.certified_subtotals, figures.certified_effective, figures.certified_two_years)
    for row in table.uncertified_rows + [b for b in blanks if not b.staff.is_certified]:
        staff_row("非持证社工", row)
    subtotal_row("非持证社工小计", table.uncertified_subtotals, figures.uncertified_effective,
                 figures.uncertified_two_years)
    subtotal_row("总计", table.total_subtotals, figures.total_effective, figures.total_two_years)

    widths = [10, 6, 10, 14, 22, 20] + [7] * (3 * len(months)) + [10, 12, 24]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=4)
    ws.page_setup.orientation = "landscape"
    ws.print_title_rows = f"{HEAD1}:{HEAD2}"
    return workbook_bytes(wb)


@dataclass
class ParsedStaffUpload:
    errors: list[CellError] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)  # JSON-ready StaffMonthChange + labels
    unchanged: int = 0
    rows: int = 0

    def payload(self) -> dict:
        return {"changes": self.changes, "unchanged": self.unchanged, "rows": self.rows}


def _flag(value) -> bool | None:
    """√ / 1 / 是 → True; blank / 0 / 否 / × → False; anything else None (invalid)."""
    if value is None:
        return False
    text = str(value).strip()
    if text in ("√", "✓", "1", "是", "Y", "y"):
        return True
    if text in ("", "0", "否", "×", "N", "n"):
        return False
    return None


def parse_staff_upload(data: bytes, *, contract: Contract) -> ParsedStaffUpload:
    """Check every cell of an uploaded 附件2 sheet and plan the month changes (values replace, never add)."""
    result = ParsedStaffUpload()
    wb = open_workbook(data)
    try:
        if SHEET not in wb.sheetnames:
            result.errors.append(CellError(wb.sheetnames[0] if wb.sheetnames else SHEET, None, None,
                                           f"找不到工作表“{SHEET}”，请使用本系统导出的附件2。"))
            return result
        for name in wb.sheetnames:
            if name != SHEET:
                result.errors.append(CellError(name, None, None, f"多余的工作表“{name}”：只能包含工作表“{SHEET}”。"))
        with reading_package():
            _parse(wb[SHEET], contract, result)
    finally:
        wb.close()
    if result.errors:
        result.changes = []
    return result


def _parse(ws, contract: Contract, result: ParsedStaffUpload) -> None:
    staff = {(s.order, s.name): s for s in StaffMember.objects.filter(contract=contract)}
    errors = result.errors

    def err(row, col, message):
        errors.append(CellError(SHEET, row, col, message))

    months: list[date] = []
    stored: dict = {}
    for row_index, row in enumerate(ws.iter_rows(), start=1):
        cells = list(row)
        values = [c.value for c in cells]
        for col_index, cell in enumerate(cells, start=1):
            if getattr(cell, "data_type", None) == "f":
                err(row_index, col_index, "不能使用公式，请只填写数值。")
                values[col_index - 1] = None
        if row_index == HEAD1:
            for i, label in enumerate(FIXED, start=1):
                actual = str(values[i - 1]).strip() if i <= len(values) and values[i - 1] is not None else ""
                if actual != label:
                    err(row_index, i, f"表头应为“{label}”，实际为“{actual or '（空）'}”。")
            col = len(FIXED) + 1
            while col <= len(values):
                text = str(values[col - 1]).strip() if values[col - 1] is not None else ""
                match = MONTH_RE.match(text)
                if not match:
                    break
                month = date(int(match.group(1)), int(match.group(2)), 1)
                if not month_in_period(month, contract.start_date, contract.end_date):
                    err(row_index, col, f"{text}不在协议期内。")
                months.append(month)
                col += 3
            if not months:
                err(row_index, len(FIXED) + 1, "找不到月份表头（如“2025年1月”）。")
            expected_tail = col
            for k, label in enumerate(TAIL):
                c = expected_tail + k
                actual = str(values[c - 1]).strip() if c <= len(values) and values[c - 1] is not None else ""
                if actual != label:
                    err(row_index, c, f"表头应为“{label}”，实际为“{actual or '（空）'}”。")
            stored = {
                (m.staff_id, m.month): m
                for m in StaffMonth.objects.filter(staff__contract=contract, month__in=months)
            }
            continue
        if row_index == HEAD2:
            for j in range(len(months)):
                for k, label in enumerate(SUB):
                    c = len(FIXED) + 1 + 3 * j + k
                    actual = str(values[c - 1]).strip() if c <= len(values) and values[c - 1] is not None else ""
                    if actual != label:
                        err(row_index, c, f"表头应为“{label}”，实际为“{actual or '（空）'}”。")
            continue
        if row_index < FIRST_ROW:
            continue
        if not months or errors and result.rows == 0 and any(e.row in (HEAD1, HEAD2) for e in errors):
            break  # headers are wrong: the data columns cannot be located
        order, name = (values[1] if len(values) > 1 else None), (values[2] if len(values) > 2 else None)
        if order in (None, "") and name in (None, ""):
            continue  # 小计 / 总计 / blank rows
        result.rows += 1
        try:
            order_int = int(order)
        except (TypeError, ValueError):
            err(row_index, 2, f"序号“{order}”应为整数。")
            continue
        member = staff.get((order_int, str(name or "").strip()))
        if member is None:
            err(row_index, 3, f"名册中没有序号 {order_int}、姓名“{name or ''}”的社工。")
            continue
        for j, month in enumerate(months):
            col = len(FIXED) + 1 + 3 * j
            raw = values[col - 1] if col <= len(values) else None
            insurance = _flag(values[col] if col < len(values) else None)
            salary = _flag(values[col + 1] if col + 1 < len(values) else None)
            label = f"{member.name} · {month.year}年{month.month}月"
            if raw in (None, ""):
                if insurance or salary:
                    err(row_index, col, f"{label}：勾选社保或工资时须填写人员到位。")
                continue
            try:
                on_post = Decimal(str(raw).strip())
            except InvalidOperation:
                on_post = None
            if on_post not in ON_POST_VALUES:
                err(row_index, col, f"{label}：人员到位只能为 1、0.5 或 0。")
                continue
            if insurance is None:
                err(row_index, col + 1, f"{label}：社保购买应为“√”或空白。")
                continue
            if salary is None:
                err(row_index, col + 2, f"{label}：工资发放应为“√”或空白。")
                continue
            current = stored.get((member.pk, month))
            if current is not None and (current.on_post, current.social_insurance, current.salary_paid) == (
                on_post, insurance, salary
            ):
                result.unchanged += 1
                continue
            result.changes.append({
                "staff_id": member.pk, "month": month.isoformat(), "on_post": str(on_post),
                "social_insurance": insurance, "salary_paid": salary,
                "version": current.version if current else 0, "label": label,
                "old": "" if current is None else f"{current.on_post.normalize():f}",
                "new": f"{on_post.normalize():f}",
            })
    if not errors and result.rows == 0:
        err(None, None, "文件中没有社工数据行。")

"""Excel for indicators (issue 3 §6): the quarter entry template, its import, and the 附件1 completion export.

Template layout (one sheet “完成量填报”):
  row 1  title
  row 2  协议代码 | <code> | 季度 | <2025-Q1>          (checked on import: a template only fits its quarter)
  row 3  instructions
  row 4  片区 | 指标代码 | 指标名称 | 单位 | 数值类型 | 累计方式 | 年度协议量 | <month 1> | <month 2> | <month 3>
  row 5… one row per 片区 × indicator (全站 for station-wide indicators), filled with the current values.
Months outside the contract period hold “—” and must stay so. A blank month cell means “no change”; a value
replaces the stored one (never adds), so importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from evalportal.periods import Quarter, month_in_period
from evalportal.xlsx import CellError, open_workbook, reading_package, safe_text, workbook_bytes
from stations.models import Contract

from .calculations import round_half_up
from .entry import EntryGrid
from .models import IndicatorDefinition, MonthlyActual
from .validation import InvalidValue, check_value, format_value, parse_value

SHEET = "完成量填报"
STATION_WIDE = "全站"
CLOSED = "—"
HEADER_ROW = 4
FIRST_DATA_ROW = 5
FIXED_HEADERS = ["片区", "指标代码", "指标名称", "单位", "数值类型", "累计方式", "年度协议量"]
VALUE_TYPE_LABELS = {"integer": "整数", "hours": "时数(1位小数)", "money": "金额(2位小数)"}
ACCUMULATION_LABELS = {"flow": "累计型", "stock": "存量型"}
MAX_ROWS = 20000

THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
LOCKED_FILL = PatternFill("solid", fgColor="E5E5E5")
BOLD = Font(bold=True)


def month_header(month: date) -> str:
    return f"{month.year}年{month.month}月"


def _number_format(value_type: str) -> str:
    return {"integer": "0", "hours": "0.0", "money": "0.00"}[value_type]


# --- template -------------------------------------------------------------------------------------------------


def entry_template(grid: EntryGrid) -> bytes:
    """The quarter's entry template, pre-filled with the stored values."""
    contract, quarter = grid.contract, grid.quarter
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    headers = FIXED_HEADERS + [month_header(m) for m in grid.months]
    ws.append([safe_text(f"{contract.station.name} {quarter.label}指标完成量填报")])
    ws.append(["协议代码", safe_text(contract.code), "季度", quarter.slug])
    ws.append(["说明：只修改月份列；空白表示不修改，填写的数值替换原值；“—”表示不在协议期内。请勿增删行列或修改表头。"])
    ws.append(headers)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=len(headers))
    ws["A1"].font = Font(bold=True, size=14)
    for col in range(1, len(headers) + 1):
        cell = ws.cell(row=HEADER_ROW, column=col)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for section in grid.sections:
        area_name = section.area.name if section.area else STATION_WIDE
        for row in section.rows:
            indicator = row.indicator
            values = [
                safe_text(area_name), safe_text(indicator.code), safe_text(indicator.name), indicator.unit,
                VALUE_TYPE_LABELS[indicator.value_type], ACCUMULATION_LABELS[indicator.accumulation],
                row.target,
            ]
            for cell in row.cells:
                values.append(cell.value if cell.open else CLOSED)
            ws.append(values)
    # formats in a second pass by computed row numbers (ws.max_row inside a write loop is quadratic)
    number_formats = [
        _number_format(row.indicator.value_type) for section in grid.sections for row in section.rows
    ]
    for offset, fmt in enumerate(number_formats):
        r = FIRST_DATA_ROW + offset
        ws.cell(row=r, column=7).number_format = fmt
        for i, month in enumerate(grid.months):
            cell = ws.cell(row=r, column=len(FIXED_HEADERS) + 1 + i)
            cell.number_format = fmt
            cell.border = BORDER
            if month not in grid.open_months:
                cell.fill = LOCKED_FILL
    widths = [10, 22, 24, 6, 13, 8, 11] + [12] * len(grid.months)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=4)
    return workbook_bytes(wb)


# --- import ---------------------------------------------------------------------------------------------------


@dataclass
class PlannedChange:
    area_id: int | None
    indicator_id: int
    month: date
    value: Decimal
    old: str
    new: str
    label: str
    version: int  # the stored version when the file was checked


@dataclass
class ParsedEntryUpload:
    errors: list[CellError] = field(default_factory=list)
    changes: list[PlannedChange] = field(default_factory=list)
    unchanged: int = 0
    rows: int = 0

    def payload(self) -> dict:
        return {
            "changes": [
                {
                    "area_id": c.area_id, "indicator_id": c.indicator_id, "month": c.month.isoformat(),
                    "value": str(c.value), "old": c.old, "new": c.new, "label": c.label, "version": c.version,
                }
                for c in self.changes
            ],
            "unchanged": self.unchanged,
            "rows": self.rows,
        }


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _cell_number(value, value_type: str) -> Decimal | None:
    """A cell's value as a Decimal of the indicator's type; None when blank. Raises InvalidValue."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise InvalidValue("请输入数字。")
    if isinstance(value, int):
        return check_value(Decimal(value), value_type)
    if isinstance(value, float):
        try:
            return check_value(Decimal(repr(value)), value_type)
        except InvalidOperation:
            raise InvalidValue("请输入数字。") from None
    if isinstance(value, str):
        return parse_value(value, value_type)
    raise InvalidValue("请输入数字。")  # dates, times and anything else


def parse_entry_upload(data: bytes, *, contract: Contract, quarter: Quarter) -> ParsedEntryUpload:
    """Check every cell of an uploaded template; collect all errors; plan the changes against stored values.

    Raises UploadRejected when the file itself is unusable (not an xlsx, zip bomb, unsafe XML).
    """
    result = ParsedEntryUpload()
    wb = open_workbook(data)
    try:
        extra = [name for name in wb.sheetnames if name != SHEET]
        if SHEET not in wb.sheetnames:
            result.errors.append(CellError(wb.sheetnames[0] if wb.sheetnames else SHEET, None, None,
                                           f"找不到工作表“{SHEET}”，请使用本系统下载的模板。"))
            return result
        for name in extra:
            result.errors.append(CellError(name, None, None, f"多余的工作表“{name}”：模板只能包含工作表“{SHEET}”。"))
        with reading_package():
            _parse_sheet(wb[SHEET], contract, quarter, result)
    finally:
        wb.close()
    if result.errors:
        result.changes = []
    return result


def _parse_sheet(ws, contract: Contract, quarter: Quarter, result: ParsedEntryUpload) -> None:
    months = quarter.months
    expected_headers = FIXED_HEADERS + [month_header(m) for m in months]
    first_month_col = len(FIXED_HEADERS) + 1
    width = len(expected_headers)
    areas = {a.name: a for a in contract.service_areas.all()}
    indicators = {i.code: i for i in IndicatorDefinition.objects.filter(active=True)}
    stored = {
        (a.service_area_id, a.indicator_id, a.month): a
        for a in MonthlyActual.objects.filter(contract=contract, month__in=months)
    }
    open_months = {m for m in months if month_in_period(m, contract.start_date, contract.end_date)}
    errors = result.errors

    def err(row: int | None, col: int | None, message: str) -> None:
        errors.append(CellError(SHEET, row, col, message))

    seen: dict[tuple[int | None, int], int] = {}
    header_ok = True
    for row_index, row in enumerate(ws.iter_rows(), start=1):
        if row_index > MAX_ROWS:
            err(row_index, None, f"行数超过上限 {MAX_ROWS}。")
            break
        cells = list(row)
        values = [c.value for c in cells]
        for col_index, cell in enumerate(cells, start=1):
            if getattr(cell, "data_type", None) == "f":
                err(row_index, col_index, "不能使用公式，请只填写数值。")
                values[col_index - 1] = None  # reported once, not again as "not a number"
        if row_index == 2:
            code = _text(values[1] if len(values) > 1 else None)
            slug = _text(values[3] if len(values) > 3 else None)
            if code != contract.code or slug != quarter.slug:
                err(2, None, f"该模板属于协议“{code or '（空）'}”的“{slug or '（空）'}”，"
                             f"不能导入到协议“{contract.code}”的“{quarter.slug}”。请下载本季度的模板。")
            continue
        if row_index == HEADER_ROW:
            for col_index, expected in enumerate(expected_headers, start=1):
                actual = _text(values[col_index - 1] if col_index <= len(values) else None)
                if actual != expected:
                    header_ok = False
                    err(row_index, col_index, f"表头应为“{expected}”，实际为“{actual or '（空）'}”。"
                                              "请使用本季度下载的模板，不要移动、增加或删除列。")
            for col_index in range(width + 1, len(values) + 1):
                if _text(values[col_index - 1]):
                    header_ok = False
                    err(row_index, col_index, f"模板之外多出的列“{_text(values[col_index - 1])}”。")
            continue
        if row_index < FIRST_DATA_ROW:
            continue
        if not header_ok:
            break
        if all(_text(v) == "" for v in values):
            continue
        for col_index in range(width + 1, len(values) + 1):
            if _text(values[col_index - 1]):
                err(row_index, col_index, "模板之外的单元格不能填写。")
        result.rows += 1
        area_name = _text(values[0] if values else None)
        code = _text(values[1] if len(values) > 1 else None)
        indicator = indicators.get(code)
        if area_name == STATION_WIDE:
            area = None
        elif area_name in areas:
            area = areas[area_name]
        else:
            err(row_index, 1, f"未知片区“{area_name or '（空）'}”。")
            continue
        if indicator is None:
            err(row_index, 2, f"未知指标代码“{code or '（空）'}”。")
            continue
        if indicator.scope == IndicatorDefinition.Scope.STATION and area is not None:
            err(row_index, 1, f"“{indicator.name}”是全站指标，片区应填“{STATION_WIDE}”。")
            continue
        if indicator.scope == IndicatorDefinition.Scope.AREA and area is None and areas:
            err(row_index, 1, f"“{indicator.name}”须按片区填写。")
            continue
        key = (area.pk if area else None, indicator.pk)
        if key in seen:
            err(row_index, 2, f"与第{seen[key]}行重复（{area_name} · {indicator.name}）。")
            continue
        seen[key] = row_index
        for i, month in enumerate(months):
            col_index = first_month_col + i
            raw = values[col_index - 1] if col_index <= len(values) else None
            label = f"{area_name} · {indicator.name} · {month_header(month)}"
            if month not in open_months:
                if _text(raw) not in ("", CLOSED):
                    err(row_index, col_index, f"{label}不在协议期内，不能填写。")
                continue
            if isinstance(raw, str) and raw.strip() == CLOSED:
                err(row_index, col_index, f"{label}：请输入数字。")
                continue
            try:
                value = _cell_number(raw, indicator.value_type)
            except InvalidValue as exc:
                err(row_index, col_index, f"{label}：{exc}")
                continue
            if value is None:
                continue
            current = stored.get((key[0], key[1], month))
            if current is not None and current.value == value:
                result.unchanged += 1
                continue
            result.changes.append(
                PlannedChange(
                    area_id=key[0], indicator_id=key[1], month=month, value=value,
                    old=format_value(current.value if current else None, indicator.value_type),
                    new=format_value(value, indicator.value_type), label=label,
                    version=current.version if current else 0,
                )
            )
    if header_ok and result.rows == 0 and not errors:
        err(None, None, "文件中没有数据行。")


# --- 附件1 export ---------------------------------------------------------------------------------------------


def completion_workbook(table) -> bytes:
    """The indicator completion table (seed 001 附件1) as xlsx.

    Title; two merged header rows (indicator group over 协议量 / 完成量 / 百分比); a row per 片区 and 合计;
    percentages are numbers formatted 0.00% (the rate rounded half up to 0.01%, as printed),
    "/" where there is no target; station-wide indicators follow in their own block.
    """
    contract = table.contract
    wb = Workbook()
    ws = wb.active
    ws.title = "指标完成情况"
    columns = table.area_columns
    last_col = 2 + 3 * len(columns)
    title = f"{contract.station.name}购买服务项目指标完成情况统计表"
    ws.cell(row=1, column=1, value=safe_text(title)).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(last_col, 4))
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    period = (
        f"考核期：{table.months[0]:%Y年%m月}至{table.months[-1]:%Y年%m月}，共 {len(table.months)} 个月"
        if table.months else "考核期：无完整月份"
    )
    ws.cell(row=2, column=1, value=f"{period}；统计截至 {table.cutoff:%Y-%m-%d}")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=max(last_col, 4))

    head1, head2 = 3, 4
    ws.cell(row=head1, column=1, value="服务片区")
    ws.cell(row=head1, column=2, value="投入社工人数")
    ws.merge_cells(start_row=head1, start_column=1, end_row=head2, end_column=1)
    ws.merge_cells(start_row=head1, start_column=2, end_row=head2, end_column=2)
    for i, indicator in enumerate(columns):
        col = 3 + 3 * i
        group = indicator.group or indicator.name
        sub = indicator.short_name if indicator.group else ""
        ws.cell(row=head1, column=col, value=safe_text(f"{group} {sub}".strip()))
        ws.merge_cells(start_row=head1, start_column=col, end_row=head1, end_column=col + 2)
        ws.cell(row=head2, column=col, value="协议量")
        ws.cell(row=head2, column=col + 1, value="完成量")
        ws.cell(row=head2, column=col + 2, value="百分比")
    for r in (head1, head2):
        for c in range(1, last_col + 1):
            cell = ws.cell(row=r, column=c)
            cell.font = BOLD
            cell.fill = HEADER_FILL
            cell.border = BORDER
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def write_cell(row_idx: int, col: int, cell) -> None:
        places = cell.indicator.decimal_places
        qty_format = "0" if places == 0 else "0." + "0" * places
        for offset, value in enumerate((cell.target, cell.actual)):
            target = ws.cell(row=row_idx, column=col + offset)
            if value is None:
                target.value = "/"
                target.alignment = Alignment(horizontal="center")
            else:
                target.value = value
                target.number_format = qty_format
        rate_cell = ws.cell(row=row_idx, column=col + 2)
        if cell.rate is None:
            rate_cell.value = "/"
            rate_cell.alignment = Alignment(horizontal="center")
        else:
            # the printed rate (四舍五入 to 0.01%) as a number, so Excel shows exactly the report's figure
            rate_cell.value = round_half_up(cell.rate, 4)
            rate_cell.number_format = "0.00%"
        for offset in range(3):
            ws.cell(row=row_idx, column=col + offset).border = BORDER

    row_idx = head2 + 1
    rows = list(table.area_rows) + ([table.total_row] if table.total_row is not None else [])
    for area_row in rows:
        ws.cell(row=row_idx, column=1, value=safe_text(area_row.name)).border = BORDER
        ws.cell(row=row_idx, column=2, value=area_row.social_workers).border = BORDER
        if area_row.area is None:
            ws.cell(row=row_idx, column=1).font = BOLD
        for i, cell in enumerate(area_row.cells):
            write_cell(row_idx, 3 + 3 * i, cell)
        row_idx += 1

    if table.station_rows:
        row_idx += 1
        ws.cell(row=row_idx, column=1, value="全站指标").font = BOLD
        row_idx += 1
        for c, label in enumerate(["指标", "", "指标要求", "完成情况", "完成百分比"], start=1):
            if label:
                cell = ws.cell(row=row_idx, column=c, value=label)
                cell.font = BOLD
                cell.fill = HEADER_FILL
                cell.border = BORDER
        ws.merge_cells(start_row=row_idx, start_column=1, end_row=row_idx, end_column=2)
        row_idx += 1
        for station_row in table.station_rows:
            ws.cell(row=row_idx, column=1, value=safe_text(station_row.indicator.name)).border = BORDER
            ws.merge_cells(start_row=row_idx, start_column=1, end_row=row_idx, end_column=2)
            write_cell(row_idx, 3, station_row.cell)
            row_idx += 1

    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 8
    for c in range(3, max(last_col, 5) + 1):
        ws.column_dimensions[get_column_letter(c)].width = 9
    ws.freeze_panes = ws.cell(row=head2 + 1, column=3)
    ws.page_setup.orientation = "landscape"
    ws.print_title_rows = f"{head1}:{head2}"
    return workbook_bytes(wb)

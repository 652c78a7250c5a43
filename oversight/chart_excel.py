"""The chart tables as xlsx in the users' layout: title row, two-row merged header (group over its columns, a
column without group merged over both rows), thin borders, printed as the official tables (evalportal.xlsx).
table_workbook also writes the dashboard's station table (dashboard_excel)."""

from __future__ import annotations

from collections.abc import Callable
from copy import copy
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from evalportal.xlsx import print_setup, workbook_bytes

THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
PERCENT, NUMBER, POINTS = "0.00%", "#,##0.##", "0.00"


def _number(value):
    return float(value) if isinstance(value, Decimal) else value


NumberFormat = str | Callable[[int | float], str] | None


def table_workbook(sheet_title: str, title: str, columns: list[tuple[str, str, float, NumberFormat]],
                   rows: list[list], *, note: str = "", freeze: str = "B4") -> bytes:
    """columns: (group, name, width, number format); a column alone in a group named as itself spans both header
    rows. The number format applies to the column's numbers; a callable chooses it per number (quantity_format).
    `freeze`: the first cell that scrolls (the header rows and the columns left of it stay in view)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    sheet.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    start = 1
    for index, (group, name, width, _fmt) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        cell = sheet.cell(row=3, column=index, value=name)  # under a column spanning both rows: cleared by the merge
        cell.font, cell.border = Font(bold=True), BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if index == len(columns) or columns[index][0] != group:
            head = sheet.cell(row=2, column=start, value=group)
            head.font = Font(bold=True)
            head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            for col in range(start, index + 1):
                sheet.cell(row=2, column=col).border = BORDER
            if index > start:
                sheet.merge_cells(start_row=2, start_column=start, end_row=2, end_column=index)
            elif group == name:
                sheet.merge_cells(start_row=2, start_column=start, end_row=3, end_column=index)
            start = index + 1
    # A data cell's style (border, number format) is set through openpyxl once per number format, then copied: setting
    # it looks the style up in the workbook's lists by hash every time, most of an export's time at thousands of rows.
    styles = {}
    for r, values in enumerate(rows, start=4):
        for c, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=c, value=_number(value))
            fmt = columns[c - 1][3]
            number_format = (fmt(cell.value) if callable(fmt) else fmt) if fmt and isinstance(cell.value, int | float) \
                else None
            style = styles.get(number_format)
            if style is None:
                cell.border = BORDER
                if number_format:
                    cell.number_format = number_format
                styles[number_format] = copy(cell._style)
            else:
                cell._style = copy(style)
    last = 3 + len(rows)
    if note:
        sheet.cell(row=last + 2, column=1, value=note).alignment = Alignment(wrap_text=False)
    sheet.freeze_panes = freeze
    print_setup(sheet, last_row=max(3, last + (2 if note else 0)), last_column=len(columns), header_rows=(2, 3))
    return workbook_bytes(workbook)


def _unit(indicator) -> str:
    return indicator.get_unit_display()


def pace_workbook(rows, indicator, cutoff: date, district, more: str = "") -> bytes:
    unit = _unit(indicator)
    columns = [
        ("服务站", "区", 10, None), ("服务站", "服务站", 34, None), ("服务站", "协议代码", 22, None),
        (f"{indicator.name}（{unit}）", "协议量", 12, NUMBER), (f"{indicator.name}（{unit}）", "完成量", 12, NUMBER),
        (f"{indicator.name}（{unit}）", "完成率", 10, PERCENT),
        ("时间进度", "已过月数", 9, None), ("时间进度", "时间进度", 10, PERCENT),
        ("完成率−时间进度（百分点）", "完成率−时间进度（百分点）", 14, POINTS),
    ]
    data = [
        [r.contract.station.street.district.name, r.contract.station.name, r.contract.code, r.target, r.actual,
         r.rate, f"{r.elapsed}/{r.total}", r.pace, r.gap_points]
        for r in rows
    ]
    title = (f"各服务站{indicator.name}完成率与时间进度（{district.name if district else '全部区'}，"
             f"截至 {cutoff:%Y年%m月%d日}）")
    return table_workbook("完成率与时间进度", title, columns, data,
                          note="按完成率与时间进度之差排序，落后最多的在前；无协议量的服务站排在最后。" + more)


def trend_workbook(rows, indicator, scope: str, cutoff: date) -> bytes:
    unit = _unit(indicator)
    columns = [("季度", "季度", 16, None), (f"{indicator.name}（{unit}）", "完成量", 14, NUMBER),
               (f"{indicator.name}（{unit}）", "较上季度增减", 14, NUMBER)]
    data = [[r.quarter.label, r.actual, r.change] for r in rows]
    kind = "各季度末数" if indicator.accumulation == "stock" else "各季度合计"
    return table_workbook("季度趋势", f"{scope}{indicator.name}季度趋势（{kind}，截至 {cutoff:%Y年%m月%d日}）",
                          columns, data)


def district_workbook(rows, indicator, cutoff: date, year: int) -> bytes:
    unit = _unit(indicator)
    group = f"{indicator.name}（{unit}）"
    columns = [
        ("区", "区", 10, None), ("截至月份执行中服务站", "截至月份执行中服务站", 12, None),
        (group, "协议量", 14, NUMBER), (group, "完成量", 14, NUMBER), (group, "完成率", 10, PERCENT),
        (group, "时间进度", 10, PERCENT),
        (f"{year}年已定稿评估", "评估数", 9, None), (f"{year}年已定稿评估", "平均总得分", 11, POINTS),
    ]
    data = [[r.district, r.stations, r.target, r.actual, r.rate, r.pace, r.evaluations, r.mean_score]
            for r in rows]
    return table_workbook("各区对比", f"各区{indicator.name}完成情况对比（截至 {cutoff:%Y年%m月%d日}）", columns, data,
                          note="时间进度 = 各协议按已过月数计的应完成量之和 ÷ 协议量之和（存量指标应完成量为全部协议量）。")

"""The dashboard's station table as xlsx, two-row merged header as in the users' sheets (seed 001 附件1 style)."""

from __future__ import annotations

from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from evalportal.xlsx import print_setup, quantity_format, workbook_bytes

# (group, column, width)
COLUMNS = [
    ("服务站", "区", 10), ("服务站", "服务站", 34), ("服务站", "协议代码", 22),
    ("指标完成", "时间进度", 10), ("指标完成", "指标数", 8), ("指标完成", "落后进度", 9), ("指标完成", "明显落后", 9),
    ("季度填报", "季度", 16), ("季度填报", "状态", 14), ("季度填报", "退回次数", 9),
    ("社工", "持证缺配（人·月，负数为超配）", 14), ("社工", "稳岗率", 10),
    ("最新评估", "总得分", 9), ("最新评估", "等级", 8), ("拨付条件", "拨付条件", 22),
    ("预警", "预警", 60),
]


def dashboard_workbook(rows, today: date, district) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "总览"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    title = f"社工服务站总览（{district.name if district else '全部区'}，截至 {today:%Y年%m月%d日}）"
    sheet.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    start = 1
    for index, (group, name, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        cell = sheet.cell(row=3, column=index, value=name)
        cell.font, cell.border = Font(bold=True), border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        last = index == len(COLUMNS) or COLUMNS[index][0] != group
        if last:
            head = sheet.cell(row=2, column=start, value=group)
            head.font, head.alignment = Font(bold=True), Alignment(horizontal="center")
            for col in range(start, index + 1):
                sheet.cell(row=2, column=col).border = border
            if index > start:
                sheet.merge_cells(start_row=2, start_column=start, end_row=2, end_column=index)
            elif group == name:
                sheet.merge_cells(start_row=2, start_column=start, end_row=3, end_column=index)
            start = index + 1
    for r, row in enumerate(rows, start=4):
        c = row.contract
        evaluation = row.evaluation
        values = [
            c.station.street.district.name, c.station.name, c.code,
            f"{row.elapsed}/{row.total_months}", row.indicators, row.behind, row.far_behind,
            row.quarter.label if row.quarter else "—", row.quarter_state_label or "—", row.returns,
            float(row.shortfall) if row.shortfall is not None else None,
            float(row.retention) if row.retention is not None else None,
            float(evaluation.total_score) if evaluation else None,
            evaluation.get_grade_display() if evaluation else "",
            row.tranche_label,
            "；".join(w.reason for w in row.warnings),
        ]
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=col, value=value)  # workbook_bytes keeps text as text
            cell.border = border
        sheet.cell(row=r, column=12).number_format = "0.00%"
        sheet.cell(row=r, column=13).number_format = "0.00"
        # 人·月 as the seeds print quantities: 60, not 60.0 (a half month keeps its decimal)
        sheet.cell(row=r, column=11).number_format = quantity_format(row.shortfall, 1)
    sheet.freeze_panes = "D4"
    print_setup(sheet, last_row=max(3, 3 + len(rows)), last_column=len(COLUMNS), header_rows=(2, 3))
    return workbook_bytes(workbook)

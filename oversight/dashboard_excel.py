"""The dashboard's station table as xlsx, two-row merged header as in the users' sheets (seed 001 附件1 style)."""

from __future__ import annotations

from datetime import date

from evalportal.xlsx import quantity_format

from .chart_excel import PERCENT, POINTS, table_workbook


def _person_months(value: int | float) -> str:
    # 人·月 as the seeds print quantities: 60, not 60.0 (a half month keeps its decimal)
    return quantity_format(value, 1)


# (group, column, width, number format)
COLUMNS = [
    ("服务站", "区", 10, None), ("服务站", "服务站", 34, None), ("服务站", "协议代码", 22, None),
    ("指标完成", "时间进度", 10, None), ("指标完成", "指标数", 8, None), ("指标完成", "落后进度", 9, None),
    ("指标完成", "明显落后", 9, None),
    ("季度填报", "季度", 16, None), ("季度填报", "状态", 14, None), ("季度填报", "退回次数", 9, None),
    ("社工", "持证缺配（人·月，负数为超配）", 14, _person_months), ("社工", "稳岗率", 10, PERCENT),
    ("最新评估", "总得分", 9, POINTS), ("最新评估", "等级", 8, None), ("拨付条件", "拨付条件", 22, None),
    ("预警", "预警", 60, None),
]


def dashboard_workbook(rows, today: date, district, note: str = "") -> bytes:
    title = f"社工服务站总览（{district.name if district else '全部区'}，截至 {today:%Y年%m月%d日}）"
    data = []
    for row in rows:
        c = row.contract
        evaluation = row.evaluation
        data.append([
            c.station.street.district.name, c.station.name, c.code,
            f"{row.elapsed}/{row.total_months}", row.indicators, row.behind, row.far_behind,
            row.quarter.label if row.quarter else "—", row.quarter_state_label or "—", row.returns,
            row.shortfall, row.retention, evaluation.total_score if evaluation else None,
            evaluation.get_grade_display() if evaluation else "",
            row.tranche_label,
            "；".join(w.reason for w in row.warnings),
        ])
    return table_workbook("总览", title, COLUMNS, data, note=note, freeze="D4")  # region, station and code stay in view

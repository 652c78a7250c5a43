"""The machine-readable data embedded in an archived report: every figure the PDF prints from the database.

Decimals are written as strings exactly as stored (full precision, no float), so a program reading the attachment gets
the same numbers as the report without parsing its text. Personal data stays out: 附件2 contributes its figures and
monthly subtotals, not the names of staff members.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

FORMAT = "evalportal-report-data"
FORMAT_VERSION = 1


def _s(value: Any) -> Any:
    """A JSON value: Decimal → "89.08" (exact), dates → ISO 8601, None stays null."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _contract(contract) -> dict | None:
    if contract is None:
        return None
    return {
        "code": contract.code,
        "title": contract.title,
        "station": contract.station.name,
        "operator": contract.operator.name,
        "buyer": contract.buyer.name,
        "supervisor": contract.supervisor.name if contract.supervisor_id else "",
        "start_date": _s(contract.start_date),
        "end_date": _s(contract.end_date),
        "budget_yuan": _s(contract.budget),
        "service_hours": _s(contract.service_hours),
        "procurement_number": contract.procurement_number,
    }


def _cell(cell) -> dict:
    return {
        "indicator": cell.indicator.name,
        "code": cell.indicator.code,
        "unit": cell.indicator.unit,
        "target": _s(cell.target),
        "actual": _s(cell.actual),
        "rate": cell.percent,
    }


def _completion(table) -> dict:
    return {
        "cutoff": _s(table.cutoff),
        "months": len(table.months),
        "areas": [
            {"name": row.name, "social_workers": row.social_workers, "cells": [_cell(c) for c in row.cells]}
            for row in table.area_rows
        ],
        "total": [_cell(c) for c in table.total_row.cells] if table.total_row is not None else [],
        "station": [_cell(r.cell) for r in table.station_rows],
    }


def _staff(staff) -> dict:
    f = staff.figures
    return {
        "period_start": _s(staff.period_start),
        "period_end": _s(staff.period_end),
        "months": f.months,
        "certified_effective": _s(f.certified_effective),
        "certified_two_years": _s(f.certified_two_years),
        "uncertified_effective": _s(f.uncertified_effective),
        "uncertified_two_years": _s(f.uncertified_two_years),
        "total_effective": _s(f.total_effective),
        "required": _s(f.required),
        "surplus": _s(f.surplus),
        "two_years_share": _s(f.two_years_share),
        "continuing_staff": f.continuing_staff,
        "required_staff": f.required_staff,
        "retention_rate": _s(f.retention_rate),
        "training_hours": _s(f.training_hours),
        "training_hours_per_worker_month": _s(f.training_hours_per_worker_month),
        "intermediate_at_end": staff.intermediate_at_end,
        "assistant_at_end": staff.assistant_at_end,
        "per_month": [
            {"month": _s(m), "heads": s.heads, "effective": _s(s.effective),
             "social_insurance": s.social_insurance, "salary_paid": s.salary_paid}
            for m, s in zip(staff.months, f.per_month, strict=False)
        ],
    }


def evaluation_report_data(context: dict, *, archive: dict) -> dict:
    """The 评估报告's figures: four party scores, total, grade, 附件1 and 附件2, contract facts."""
    evaluation = context["evaluation"]
    summary = context["summary"]
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "report": "evaluation",
        "archive": archive,
        "evaluation": {
            "code": evaluation.code,
            "kind": evaluation.get_kind_display(),
            "date": _s(evaluation.date),
            "period_start": _s(evaluation.period_start),
            "period_end": _s(evaluation.period_end),
            "agency": evaluation.agency.name,
            "finalised_at": _s(evaluation.finalised_at),
        },
        "contract": _contract(context["contract"]),
        "scores": [
            {"party": line.party, "label": line.label, "weight": _s(line.weight), "points": _s(line.points),
             "score_100": _s(line.score_100), "status": line.status}
            for line in summary.parties
        ],
        "total": _s(summary.total),
        "grade": summary.grade[1] if summary.grade else None,
        "attachment1": _completion(context["completion"]),
        "attachment2": _staff(context["staff"]),
    }


def _tree_node(node) -> dict:
    indicator = getattr(node, "indicator", None)
    return {
        "name": node.name,
        "level": node.level,
        "max_points": _s(node.total_max),
        "score": _s(node.total_score),
        "rate": node.percent,
        "target": indicator.target_text if indicator else "",
        "actual": indicator.actual_text if indicator else "",
        "judgement": node.judgement_label,
        "children": [_tree_node(c) for c in node.children],
    }


def performance_report_data(context: dict, *, archive: dict) -> dict:
    """The 绩效评价报告's figures: indicator tree with 分值/得分/得分率, total, grade, budget, expenses, contract facts."""
    pe = context["pe"]
    tree = context["tree"]
    budget = context["budget"]
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "report": "performance",
        "archive": archive,
        "performance_evaluation": {
            "code": pe.code,
            "title": pe.title,
            "year": pe.year,
            "department": pe.department.name,
            "method": pe.get_method_display(),
        },
        "contract": _contract(context["contract"]),
        "indicators": [_tree_node(root) for root in tree.roots],
        "max_total": _s(tree.max_total),
        "total": _s(context["score_total"]),
        "grade": context["grade_label"] or None,
        "budget": {key: _s(value) for key, value in budget.items()} if budget else None,
        "expenses": [{"order": e.order, "name": e.name, "amount_yuan": _s(e.amount)} for e in context["expenses"]],
        "tranches": [
            {"order": t["order"], "percentage": _s(t["percentage"]), "condition": t["condition"],
             "amount_yuan": _s(t["amount"])}
            for t in context["tranches"]
        ],
    }

"""Demo data of the evaluation workflow (issue 4), loaded by `manage.py load_demo` through the services.

A draft final evaluation of xicun-2024 (`xicun-2024-final`) assigned to evaluator_gzswa with the 回避 declaration
pending, so a demo user can walk through declaring and scoring. Idempotent: an existing one is left as it is
(whatever a demo user already scored stays).
"""

from __future__ import annotations

import datetime

from reports import services
from reports.models import Evaluation, RubricTemplate
from stations.models import Contract, Organisation, User

FINAL_CODE = "xicun-2024-final"


def load_evaluation_demo() -> Evaluation:
    existing = Evaluation.objects.filter(code=FINAL_CODE).first()
    if existing is not None:
        return existing
    contract = Contract.objects.get(code="xicun-2024")
    midterm = Evaluation.objects.filter(contract=contract, kind=Evaluation.Kind.MIDTERM).first()
    template = (midterm.rubric_source if midterm and midterm.rubric_source else None) or (
        RubricTemplate.objects.filter(active=True).order_by("name").first()
    )
    return services.evaluation_create(
        actor=User.objects.get(username="bureau_liwan"),
        contract=contract,
        kind=Evaluation.Kind.FINAL,
        code=FINAL_CODE,
        date=datetime.date(2025, 11, 20),
        period_start=contract.start_date,
        period_end=datetime.date(2025, 10, 31),
        agency=Organisation.objects.get(name="广州市社会工作协会"),
        supervision_centre=Organisation.objects.get(name="广州市社会工作服务督导中心"),
        template=template,
        evaluators=[User.objects.get(username="evaluator_gzswa")],
    )

"""Test data for the four-party evaluation (issue 4). All names are invented."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from reports import services
from reports.models import Evaluation, RubricItem, RubricSection, RubricTemplate
from stations.models import (
    Contract,
    District,
    Organisation,
    PaymentTranche,
    ServiceArea,
    Station,
    Street,
    User,
)

PASSWORD = "evalportal-test-pw"

# Σ max = 120; 102.5 / 120 × 55 = 46.979… → 46.98 (seed 001 §七, the third party's result).
RUBRIC_120 = [
    ("项目管理", [("1.1", "人员配备与到岗", "10"), ("1.2", "管理制度与落实", "10"), ("1.3", "档案与台账", "10"),
                  ("1.4", "财务管理", "10")]),
    ("服务开展情况", [("2.1", "建档与入户探访", "10"), ("2.2", "个案服务", "10"), ("2.3", "小组服务", "10"),
                      ("2.4", "社区活动", "10"), ("2.5", "资源链接", "10")]),
    ("服务成效", [("3.1", "服务对象满意度", "15"), ("3.2", "社区影响与品牌", "15")]),
]
SCORES_102_5 = ["9", "8.5", "8.5", "9", "8.5", "8", "8.5", "8.5", "8.5", "13", "12.5"]


def make_template(name: str, rubric=RUBRIC_120) -> RubricTemplate:
    template = RubricTemplate.objects.create(name=name)
    for s_order, (section_name, items) in enumerate(rubric):
        section = RubricSection.objects.create(template=template, name=section_name, order=s_order)
        for i_order, (code, text, max_points) in enumerate(items):
            RubricItem.objects.create(
                section=section, code=code, text=text, max_points=Decimal(max_points), order=i_order
            )
    return template


def big_rubric(sections: int, items: int) -> list:
    return [
        (f"部分{s}", [(f"{s}.{i}", f"评估内容{s}-{i}", "10") for i in range(items)]) for s in range(sections)
    ]


@dataclass
class World:
    district: District
    street: Street
    station: Station
    contract: Contract
    areas: list[ServiceArea]
    bureau: User
    street_user: User
    supervision: User
    evaluator: User
    evaluator2: User
    outsider_evaluator: User
    other_bureau: User
    other_street: User
    admin: User
    agency: Organisation
    centre: Organisation
    template: RubricTemplate
    evaluation: Evaluation


def _user(username: str, role: str, organisation: Organisation | None) -> User:
    return User.objects.create_user(
        username, password=PASSWORD, role=role, organisation=organisation, display_name=f"{username}（测试）"
    )


def make_world(suffix: str = "a", *, areas: int = 3, rubric=RUBRIC_120, declared: bool = True) -> World:
    """A station with a contract (tranches 55/40/5), users of every role and a mid-term evaluation with a frozen rubric.

    `declared`: evaluator has declared no conflict; evaluator2 stays pending."""
    district = District.objects.create(code=f"dist-{suffix}", name=f"测试区{suffix}")
    other_district = District.objects.create(code=f"odist-{suffix}", name=f"另一区{suffix}")
    street = Street.objects.create(code=f"street-{suffix}", district=district, name=f"测试街{suffix}")
    other_street = Street.objects.create(code=f"ostreet-{suffix}", district=district, name=f"邻街{suffix}")
    bureau_org = Organisation.objects.create(name=f"测试区民政局{suffix}", kind="bureau", district=district)
    other_bureau_org = Organisation.objects.create(name=f"另一区民政局{suffix}", kind="bureau", district=other_district)
    office = Organisation.objects.create(name=f"测试街道办{suffix}", kind="street", street=street)
    other_office = Organisation.objects.create(name=f"邻街街道办{suffix}", kind="street", street=other_street)
    operator = Organisation.objects.create(name=f"测试社工机构{suffix}", kind="operator")
    agency = Organisation.objects.create(name=f"测试评估机构{suffix}", kind="evaluator")
    other_agency = Organisation.objects.create(name=f"另一评估机构{suffix}", kind="evaluator")
    centre = Organisation.objects.create(name=f"测试督导中心{suffix}", kind="supervision")
    station = Station.objects.create(code=f"station-{suffix}", street=street, name=f"测试社工服务站{suffix}")
    contract = Contract.objects.create(
        code=f"contract-{suffix}", title=f"测试社工服务站项目{suffix}", station=station, operator=operator,
        buyer=office, supervisor=bureau_org, start_date=datetime.date(2024, 12, 11),
        end_date=datetime.date(2025, 12, 10), budget=Decimal("1984500.00"), required_certified_staff=13,
        required_staff=20,
    )
    area_objs = [
        ServiceArea.objects.create(contract=contract, name=f"片区{n + 1}", order=n, social_workers=3)
        for n in range(areas)
    ]
    for order, (pct, condition) in enumerate([("55", "signing"), ("40", "midterm"), ("5", "final")], start=1):
        PaymentTranche.objects.create(contract=contract, order=order, percentage=Decimal(pct), condition=condition)
    admin = User.objects.create_user(f"admin-{suffix}", password=PASSWORD, role="admin")
    world = World(
        district=district, street=street, station=station, contract=contract, areas=area_objs,
        bureau=_user(f"bureau-{suffix}", "bureau", bureau_org),
        street_user=_user(f"street-{suffix}", "street", office),
        supervision=_user(f"supervision-{suffix}", "supervision", centre),
        evaluator=_user(f"evaluator-{suffix}", "evaluator", agency),
        evaluator2=_user(f"evaluator2-{suffix}", "evaluator", agency),
        outsider_evaluator=_user(f"outsider-{suffix}", "evaluator", other_agency),
        other_bureau=_user(f"obureau-{suffix}", "bureau", other_bureau_org),
        other_street=_user(f"ostreet-{suffix}", "street", other_office),
        admin=admin, agency=agency, centre=centre,
        template=make_template(f"测试评估指标{suffix}", rubric),
        evaluation=None,  # type: ignore[arg-type]
    )
    world.evaluation = services.evaluation_create(
        actor=world.bureau, contract=contract, kind="midterm", date=datetime.date(2025, 5, 20),
        period_start=datetime.date(2024, 12, 11), period_end=datetime.date(2025, 4, 30), agency=agency,
        supervision_centre=centre, template=world.template, evaluators=[world.evaluator, world.evaluator2],
    )
    if declared:
        services.evaluation_declare(evaluation=world.evaluation, user=world.evaluator, conflict=False)
    return world


def score_all_items(world: World, scores: list[str]) -> None:
    items = world.evaluation.sections.all()
    from reports.models import EvaluationItem

    items = list(EvaluationItem.objects.filter(section__evaluation=world.evaluation).order_by("section__order", "order"))
    for item, score in zip(items, scores, strict=True):
        services.evaluation_item_update(
            evaluation=world.evaluation, item_id=item.id, user=world.evaluator, version=item.version,
            fields={"score": score},
        )

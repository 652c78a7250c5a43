"""Test data for the entry branch (issue 3): two districts, three street offices/stations, every role.

World (invented names):
- 荔湾区: 西村街 (station xicun, contract "xc-2024" with `n_areas` 片区) and 逢源街 (station fengyuan, "fy-2024");
- 白云区: 景泰街 (station jingtai, "jt-2024");
- users: street_xc, street_fy, street_jt, bureau_lw, bureau_by, supervision, evaluator (assigned to an evaluation of
  xc-2024, no conflict declared), evaluator_none (no assignment), admin.
Contracts run 2024-12-11 → 2025-12-10 (seed 001's service year).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from indicators.models import IndicatorDefinition, Target
from reports.models import Evaluation, EvaluationAssignment
from stations.models import Contract, District, Organisation, ServiceArea, Station, Street, User

START = date(2024, 12, 11)
END = date(2025, 12, 10)
PASSWORD = "entry-test-2024"


@dataclass
class World:
    contract: Contract  # 西村 (荔湾)
    same_district: Contract  # 逢源 (荔湾)
    other_district: Contract  # 景泰 (白云)
    areas: list[ServiceArea]
    indicators: dict[str, IndicatorDefinition]
    users: dict[str, User]
    evaluation: Evaluation


INDICATORS = [
    # code, name, group, short, unit, value_type, accumulation, scope, order
    ("registered_clients", "困难群众和特殊群体建档", "困难群众和特殊群体建档", "", "个", "integer", "stock", "area", 10),
    ("home_visit", "入户探访", "入户探访", "", "人次", "integer", "flow", "area", 20),
    ("phone_call", "电访", "电访", "", "个", "integer", "flow", "area", 30),
    ("training_hours", "培训时数", "", "", "小时", "hours", "flow", "station", 200),
    ("resources", "资源链接", "", "", "元", "money", "flow", "station", 210),
]


def make_indicators() -> dict[str, IndicatorDefinition]:
    result = {}
    for code, name, group, short, unit, vtype, acc, scope, order in INDICATORS:
        result[code], _ = IndicatorDefinition.objects.get_or_create(
            code=code,
            defaults=dict(name=name, group=group, short_name=short, unit=unit, value_type=vtype,
                          accumulation=acc, scope=scope, order=order),
        )
    return result


def _station(district: District, code: str, name: str, operator: Organisation, bureau: Organisation):
    street = Street.objects.create(code=code, district=district, name=f"{name}街道")
    station = Station.objects.create(code=code, street=street, name=f"广州市{name}街社工服务站")
    office = Organisation.objects.create(name=f"{name}街道办事处", short_name=f"{name}街道办", kind="street",
                                         street=street, district=district)
    contract = Contract.objects.create(
        code=f"{code[:2]}-2024", title=f"{name}街社工服务站项目", station=station, operator=operator, buyer=office,
        supervisor=bureau, start_date=START, end_date=END, budget=Decimal("2400000.00"),
        required_certified_staff=13, required_staff=20,
    )
    return office, contract


def _user(username: str, role: str, organisation: Organisation | None, **extra) -> User:
    user = User(username=username, role=role, organisation=organisation, display_name=f"测试{username}", **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def build_world(n_areas: int = 3, targets: bool = True) -> World:
    liwan = District.objects.create(code="liwan", name="荔湾区")
    baiyun = District.objects.create(code="baiyun", name="白云区")
    bureau_lw = Organisation.objects.create(name="荔湾区民政局", kind="bureau", district=liwan)
    bureau_by = Organisation.objects.create(name="白云区民政局", kind="bureau", district=baiyun)
    operator = Organisation.objects.create(name="某社会工作服务中心", kind="operator")
    supervision = Organisation.objects.create(name="广州市社工督导中心", kind="supervision")
    agency = Organisation.objects.create(name="某社会工作评估机构", kind="evaluator")
    office_xc, contract = _station(liwan, "xicun", "西村", operator, bureau_lw)
    office_fy, same_district = _station(liwan, "fengyuan", "逢源", operator, bureau_lw)
    office_jt, other_district = _station(baiyun, "jingtai", "景泰", operator, bureau_by)
    areas = [
        ServiceArea.objects.create(contract=contract, name=f"片区{i + 1}", order=i + 1, social_workers=3)
        for i in range(n_areas)
    ]
    for c in (same_district, other_district):
        ServiceArea.objects.create(contract=c, name="片区1", order=1, social_workers=2)
    indicators = make_indicators()
    if targets:
        Target.objects.bulk_create(
            [Target(contract=contract, service_area=a, indicator=indicators["home_visit"], value=Decimal(700))
             for a in areas]
            + [Target(contract=contract, service_area=a, indicator=indicators["registered_clients"], value=Decimal(742))
               for a in areas]
            + [Target(contract=contract, service_area=None, indicator=indicators["training_hours"],
                      value=Decimal("1080")),
               Target(contract=contract, service_area=None, indicator=indicators["resources"],
                      value=Decimal("60000"))]
        )
    users = {
        "street_xc": _user("street_xc", "street", office_xc),
        "street_fy": _user("street_fy", "street", office_fy),
        "street_jt": _user("street_jt", "street", office_jt),
        "bureau_lw": _user("bureau_lw", "bureau", bureau_lw),
        "bureau_by": _user("bureau_by", "bureau", bureau_by),
        "supervision": _user("supervision", "supervision", supervision),
        "evaluator": _user("evaluator", "evaluator", agency),
        "evaluator_none": _user("evaluator_none", "evaluator", agency),
        "admin": _user("admin", "admin", None, is_staff=True, is_superuser=True),
    }
    evaluation = Evaluation.objects.create(
        code="xc-2024-mid", contract=contract, kind="midterm", date=date(2025, 5, 20), period_start=START,
        period_end=date(2025, 4, 30), agency=agency,
    )  # 进行中: a finalised evaluation locks its 考核期 (evalportal.locks); the lock tests finalise it themselves
    EvaluationAssignment.objects.create(evaluation=evaluation, user=users["evaluator"], declaration="no_conflict")
    return World(contract=contract, same_district=same_district, other_district=other_district, areas=areas,
                 indicators=indicators, users=users, evaluation=evaluation)

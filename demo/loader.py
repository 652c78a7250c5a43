"""Demo data: one data set per seed report, loaded by `manage.py load_demo` (and by tests via `demo_load()`).

Idempotent: every row is written with update_or_create on its natural key (codes, names, (contract, 片区, 指标, 月份)
…), inside one transaction, so running it twice leaves the same data. The figures live in fixtures/demo/*.json;
every person's name there is invented. The demo password is for demonstration only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from evalportal.periods import add_months, contract_quarters, month_start
from indicators.models import IndicatorDefinition, MonthlyActual, Target
from indicators.services import quarter_submit
from oversight import summary
from reports.models import (
    Evaluation,
    EvaluationAssignment,
    EvaluationItem,
    EvaluationSection,
    ExpenseLine,
    Finding,
    PartyScore,
    PerformanceEvaluation,
    PerformanceIndicator,
    RubricItem,
    RubricSection,
    RubricTemplate,
)
from stations.models import (
    ActivityEntry,
    Community,
    Contract,
    District,
    Organisation,
    PaymentTranche,
    QuarterSubmission,
    ServiceArea,
    ServiceProject,
    StaffMember,
    StaffMonth,
    Station,
    Street,
    User,
)

from .evaluations import load_evaluation_demo

DEMO_PASSWORD = "evalportal-demo"  # demo only: never use on a real deployment
FIXTURE_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo"
TZ = ZoneInfo("Asia/Shanghai")

DISTRICTS = [("liwan", "荔湾区"), ("baiyun", "白云区"), ("tianhe", "天河区")]
STREETS = [
    ("xicun", "liwan", "西村街道", Street.Kind.STREET),
    ("jingtai", "baiyun", "景泰街道", Street.Kind.STREET),
    ("zhongluotan", "baiyun", "钟落潭镇", Street.Kind.TOWN),
    ("yuangang", "tianhe", "元岗街道", Street.Kind.STREET),
]
STATIONS = [
    ("xicun", "xicun", "广州市西村街社工服务站", "广州市荔湾区西湾路151号之三", date(2012, 1, 1)),
    ("jingtai", "jingtai", "广州市白云区景泰街社工服务站", "", None),
    ("zhongluotan", "zhongluotan", "广州市白云区钟落潭镇社工服务站", "", date(2017, 1, 1)),
    ("yuangang", "yuangang", "广州市天河区元岗街社工服务站", "", date(2012, 7, 1)),
]
# (name, short name, kind, district code, street code)
ORGANISATIONS = [
    ("广州市荔湾区民政局", "荔湾区民政局", Organisation.Kind.BUREAU, "liwan", None),
    ("广州市白云区民政局", "白云区民政局", Organisation.Kind.BUREAU, "baiyun", None),
    ("广州市天河区民政局", "天河区民政局", Organisation.Kind.BUREAU, "tianhe", None),
    ("广州市荔湾区西村街道办事处", "西村街道办事处", Organisation.Kind.STREET_OFFICE, "liwan", "xicun"),
    ("广州市白云区景泰街道办事处", "景泰街道办事处", Organisation.Kind.STREET_OFFICE, "baiyun", "jingtai"),
    ("广州市白云区钟落潭镇人民政府", "钟落潭镇人民政府", Organisation.Kind.STREET_OFFICE, "baiyun", "zhongluotan"),
    ("广州市天河区元岗街道办事处", "元岗街道办事处", Organisation.Kind.STREET_OFFICE, "tianhe", "yuangang"),
    ("广州市荔湾区逢源人家服务中心", "逢源人家", Organisation.Kind.OPERATOR, "liwan", None),
    ("广州市白云区怡景社会工作服务社", "怡景社工", Organisation.Kind.OPERATOR, "baiyun", None),
    ("广州市心明爱社会工作服务中心", "心明爱社工", Organisation.Kind.OPERATOR, "baiyun", None),
    ("广州市北斗星社会工作服务中心", "北斗星社工", Organisation.Kind.OPERATOR, "tianhe", None),
    ("广州市社会工作协会", "市社工协会", Organisation.Kind.EVALUATION_AGENCY, None, None),
    ("广州市社会组织联合会", "市社会组织联合会", Organisation.Kind.EVALUATION_AGENCY, None, None),
    ("广州市社会工作服务督导中心", "市督导中心", Organisation.Kind.SUPERVISION, None, None),
]
# username, role, organisation, invented display name
USERS = [
    ("admin", User.Role.ADMIN, None, "系统管理员"),
    ("bureau_liwan", User.Role.BUREAU, "广州市荔湾区民政局", "陈立新"),
    ("street_xicun", User.Role.STREET, "广州市荔湾区西村街道办事处", "黄志诚"),
    ("street_jingtai", User.Role.STREET, "广州市白云区景泰街道办事处", "吴慧琳"),
    ("supervision_gz", User.Role.SUPERVISION, "广州市社会工作服务督导中心", "刘静雯"),
    ("evaluator_gzswa", User.Role.EVALUATOR, "广州市社会工作协会", "赵启明"),
]


@dataclass(frozen=True)
class DemoSummary:
    """Row counts after loading, printed by the command and compared by the idempotency test."""

    counts: dict[str, int]


def _fixture(name: str) -> Any:
    return json.loads((FIXTURE_DIR / name).read_text(encoding="utf-8"))


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=TZ)


def _upsert(model, defaults: dict | None = None, **lookup):
    obj, _ = model.objects.update_or_create(defaults=defaults or {}, **lookup)
    return obj


# --- places, organisations, people ------------------------------------------------------------------------------


def _load_places() -> None:
    for code, name in DISTRICTS:
        _upsert(District, {"name": name}, code=code)
    districts = {d.code: d for d in District.objects.all()}
    for code, district, name, kind in STREETS:
        _upsert(Street, {"district": districts[district], "name": name, "kind": kind}, code=code)
    streets = {s.code: s for s in Street.objects.all()}
    for code, street, name, address, founded in STATIONS:
        _upsert(Station, {"street": streets[street], "name": name, "address": address, "founded": founded}, code=code)
    for name, short, kind, district, street in ORGANISATIONS:
        _upsert(
            Organisation,
            {"short_name": short, "kind": kind, "district": districts.get(district), "street": streets.get(street)},
            name=name,
        )


def _load_users() -> None:
    for username, role, organisation, display in USERS:
        user = _upsert(
            User,
            {
                "role": role,
                "organisation": _org(organisation) if organisation else None,
                "display_name": display,
                "is_staff": role == User.Role.ADMIN,
                "is_superuser": role == User.Role.ADMIN,
                "is_active": True,
            },
            username=username,
        )
        if not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])


def _org(name: str) -> Organisation:
    return Organisation.objects.get(name=name)


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _load_indicator_catalogue() -> None:
    for row in _fixture("indicators.json"):
        code = row.pop("code")
        _upsert(IndicatorDefinition, row, code=code)


def _indicator(code: str) -> IndicatorDefinition:
    return IndicatorDefinition.objects.get(code=code)


# --- contracts --------------------------------------------------------------------------------------------------


def _contract(data: dict, *, station: str, operator: str, buyer: str, supervisor: str) -> Contract:
    fields = dict(data)
    code = fields.pop("code")
    fields.update(
        station=Station.objects.get(code=station),
        operator=_org(operator),
        buyer=_org(buyer),
        supervisor=_org(supervisor),
        start_date=_d(fields["start_date"]),
        end_date=_d(fields["end_date"]),
        budget=_dec(fields["budget"]),
        service_hours=_dec(fields.get("service_hours")),
    )
    return _upsert(Contract, fields, code=code)


def _figures(contract: Contract, area: ServiceArea | None, figures: dict, months: list[date]) -> None:
    """Target and monthly actuals of each indicator for one 片区 (or station-wide when area is None)."""
    for code, figure in figures.items():
        indicator = _indicator(code)
        if figure.get("target") is not None:
            _upsert(Target, {"value": _dec(figure["target"])}, contract=contract, service_area=area, indicator=indicator)
        for month, value in zip(months, figure.get("monthly", []), strict=True):
            _upsert(
                MonthlyActual, {"value": _dec(value)},
                contract=contract, service_area=area, indicator=indicator, month=month,
            )


def _load_xicun_2024() -> Contract:
    data = _fixture("xicun_2024.json")
    station = Station.objects.get(code="xicun")
    contract = _contract(
        data["contract"], station="xicun", operator="广州市荔湾区逢源人家服务中心",
        buyer="广州市荔湾区西村街道办事处", supervisor="广州市荔湾区民政局",
    )
    areas: dict[str, ServiceArea] = {}
    community_order = 0
    for area_data in data["areas"]:
        area = _upsert(
            ServiceArea, {"order": area_data["order"], "social_workers": area_data["social_workers"]},
            contract=contract, name=area_data["name"],
        )
        communities = []
        for name in area_data["communities"]:
            community_order += 1
            communities.append(_upsert(Community, {"order": community_order}, station=station, name=name))
        area.communities.set(communities)
        areas[area.name] = area

    months = [_d(m) for m in data["months"]]
    for area_name, figures in data["area_figures"].items():
        _figures(contract, areas[area_name], figures, months)
    _figures(contract, None, data["station_figures"], months)

    for row in data["staff"]:
        area = areas.get(row["area"]) if row["area"] else None
        member = _upsert(
            StaffMember,
            {
                "name": row["name"], "position": row["position"], "position_title": row["position_title"],
                "certificate": row["certificate"], "service_area": area,
                "employment_start": _d(row["employment_start"]), "contract_term": row["contract_term"],
                "two_years_practice": row["two_years_practice"], "joined_on": _d(row["joined_on"]),
                "left_on": _d(row["left_on"]), "note": row["note"],
            },
            contract=contract, order=row["order"],
        )
        for month, on_post in row["months"]:
            on_post = Decimal(on_post)
            # Seed 001 附件2: 社保 and 工资 are ticked in every month the worker is on post.
            _upsert(
                StaffMonth,
                {"on_post": on_post, "social_insurance": on_post > 0, "salary_paid": on_post > 0, "service_area": area},
                staff=member, month=_d(month),
            )

    template = _load_rubric(data["rubric"])
    _load_evaluation(contract, data["evaluation"], template, areas)
    return contract


def _load_rubric(data: dict) -> RubricTemplate:
    template = _upsert(RubricTemplate, {"description": data["description"], "active": True}, name=data["name"])
    for s_order, section_data in enumerate(data["sections"], start=1):
        section = _upsert(RubricSection, {"order": s_order}, template=template, name=section_data["name"])
        for i_order, (code, text, max_points, _score) in enumerate(section_data["items"], start=1):
            _upsert(
                RubricItem, {"text": text, "max_points": _dec(max_points), "order": i_order},
                section=section, code=code,
            )
    return template


PARTY_USERS = {
    "buyer": "street_xicun",
    "supervisor": "bureau_liwan",
    "supervision": "supervision_gz",
    "third_party": "evaluator_gzswa",
}


def _load_evaluation(contract: Contract, data: dict, template: RubricTemplate, areas: dict[str, ServiceArea]) -> None:
    evaluation = _upsert(
        Evaluation,
        {
            "contract": contract, "kind": data["kind"], "date": _d(data["date"]),
            "period_start": _d(data["period_start"]), "period_end": _d(data["period_end"]),
            "agency": _org("广州市社会工作协会"), "supervision_centre": _org("广州市社会工作服务督导中心"),
            "rubric_source": template, "status": Evaluation.Status.FINALISED,
            "total_score": _dec(data["total_score"]), "grade": data["grade"],
            "finalised_at": _at("2025-05-20T10:00:00"), "conclusion": data["conclusion"],
        },
        code=data["code"],
    )
    _upsert(
        EvaluationAssignment,
        {"declaration": EvaluationAssignment.Declaration.NO_CONFLICT, "declared_at": _at("2025-05-06T09:00:00")},
        evaluation=evaluation, user=_user("evaluator_gzswa"),
    )
    for score in data["party_scores"]:
        _upsert(
            PartyScore,
            {
                "weight": _dec(score["weight"]), "points": _dec(score["points"]),
                "score_100": _dec(score["score_100"]), "status": PartyScore.Status.SUBMITTED,
                "submitted_at": _at("2025-05-13T17:00:00"), "submitted_by": _user(PARTY_USERS[score["party"]]),
            },
            evaluation=evaluation, party=score["party"],
        )
    # The rubric frozen into the evaluation, with the third party's item scores (Σ 80.3 of 94 → 46.98 of 55).
    for s_order, section_data in enumerate(_fixture("xicun_2024.json")["rubric"]["sections"], start=1):
        section = _upsert(EvaluationSection, {"order": s_order}, evaluation=evaluation, name=section_data["name"])
        for i_order, (code, text, max_points, score) in enumerate(section_data["items"], start=1):
            _upsert(
                EvaluationItem,
                {
                    "text": text, "max_points": _dec(max_points), "order": i_order, "score": _dec(score),
                    "updated_by": _user("evaluator_gzswa"),
                },
                section=section, code=code,
            )
    for order, finding in enumerate(data["findings"], start=1):
        row = _upsert(
            Finding, {"text": finding["text"]},
            evaluation=evaluation, party=finding["party"], section=finding["section"], kind=finding["kind"],
            order=order,
        )
        row.areas.set([areas[name] for name in finding["areas"]])


# --- annual figures of the 113X contracts (seeds 000, 002–004) ----------------------------------------------------

UNITS = {
    IndicatorDefinition.ValueType.INTEGER: Decimal(1),
    IndicatorDefinition.ValueType.HOURS: Decimal("0.5"),
    IndicatorDefinition.ValueType.MONEY: Decimal("0.01"),
}


def spread(total: Decimal, count: int, unit: Decimal = Decimal(1)) -> list[Decimal]:
    """Split an annual total over `count` months in whole units, the remainder going to the last months.

    The parts add up to `total` exactly (flow indicators must sum to the published figure).
    """
    units = int(total / unit)
    base, remainder = divmod(units, count)
    parts = [Decimal(base + (1 if i >= count - remainder else 0)) * unit for i in range(count)]
    leftover = total - sum(parts, Decimal(0))  # sub-unit rest, e.g. cents below the unit
    parts[-1] += leftover
    return parts


def _annual_figures(contract: Contract, figures: dict, month_count: int) -> None:
    """Station-wide annual targets and actuals, the actual spread over the contract's first `month_count` months."""
    months = [add_months(month_start(contract.start_date), i) for i in range(month_count)]
    for code, (target, actual) in figures.items():
        indicator = _indicator(code)
        if target is not None:
            _upsert(Target, {"value": _dec(target)}, contract=contract, service_area=None, indicator=indicator)
        else:
            # The seed publishes no target (seed 003): none is invented, and one left by an older demo load goes.
            Target.objects.filter(contract=contract, service_area=None, indicator=indicator).delete()
        if actual is None:
            continue
        if indicator.accumulation == IndicatorDefinition.Accumulation.STOCK:
            monthly = [_dec(actual)] * month_count  # a maintained count, the same at every month-end
        else:
            monthly = spread(_dec(actual), month_count, UNITS[indicator.value_type])
        for month, value in zip(months, monthly, strict=True):
            _upsert(
                MonthlyActual, {"value": value}, contract=contract, service_area=None, indicator=indicator, month=month
            )


def _projects(contract: Contract, projects: list[dict]) -> None:
    for order, data in enumerate(projects, start=1):
        project = _upsert(ServiceProject, {"kind": data["kind"], "order": order}, contract=contract, name=data["name"])
        for entry in data.get("activities", []):
            # Ledger months are printed as "2022 年 1 月": stored as the month's first day; ranges get an end date.
            _upsert(
                ActivityEntry,
                {"nature": entry["nature"], "end_date": _d(entry.get("end_date"))},
                contract=contract, service_project=project, date=_d(entry["date"] + "-01"), name=entry["name"],
                participants=entry["participants"], partners=entry["partners"],
            )


PERFORMANCE_TEXTS = [
    "background", "basis", "goals", "funding", "implementation", "organisation_text", "conclusion", "experience",
    "problems", "suggestions", "results_application",
]


def _performance_evaluation(data: dict, *, department: str, contract: Contract) -> PerformanceEvaluation:
    fields = {name: data.get(name, "") for name in PERFORMANCE_TEXTS}
    fields.update(
        title=data["title"], year=data["year"], department=_org(department), contract=contract,
        method=data["method"], budget_initial=_dec(data.get("budget_initial")),
        budget_full_year=_dec(data.get("budget_full_year")), budget_executed=_dec(data.get("budget_executed")),
        declared_score=_dec(data.get("declared_score")), declared_grade=data.get("declared_grade", ""),
        attachment_label=data.get("attachment_label", ""),
    )
    pe = _upsert(PerformanceEvaluation, fields, code=data["code"])
    kept: list[int] = []
    _tree(pe, data.get("tree", []), parent=None, level=1, kept=kept)
    # Only what the seed publishes: indicator rows an older demo load wrote and the fixture no longer has go
    # (xicun-2022's invented 20-row target table, issue 11).
    PerformanceIndicator.objects.filter(evaluation=pe).exclude(id__in=kept).delete()
    for order, (name, amount) in enumerate(data.get("expenses", []), start=1):
        _upsert(ExpenseLine, {"name": name, "amount": _dec(amount)}, evaluation=pe, order=order)
    return pe


def _tree(
    pe: PerformanceEvaluation, nodes: list[dict], *, parent: PerformanceIndicator | None, level: int,
    kept: list[int] | None = None,
) -> None:
    """The 3-level 指标体系; points only on leaves (subtotals are computed by reports.selectors.performance_tree)."""
    for order, node in enumerate(nodes, start=1):
        row = _upsert(
            PerformanceIndicator,
            {
                "level": level, "order": order, "max_points": _dec(node.get("max_points")),
                "score": _dec(node.get("score")), "target_text": node.get("target_text", ""),
                "actual_text": node.get("actual_text", ""), "judgement": node.get("judgement", ""),
                "reason": node.get("reason", ""),
            },
            evaluation=pe, parent=parent, name=node["name"],
        )
        if kept is not None:
            kept.append(row.id)
        _tree(pe, node.get("children", []), parent=row, level=level + 1, kept=kept)


def _load_jingtai_2023() -> None:
    data = _fixture("jingtai_2023.json")
    contract = _contract(
        data["contract"], station="jingtai", operator="广州市白云区怡景社会工作服务社",
        buyer="广州市白云区景泰街道办事处", supervisor="广州市白云区民政局",
    )
    _annual_figures(contract, data["figures"], 12)
    _performance_evaluation(data["evaluation"], department="广州市白云区景泰街道办事处", contract=contract)


def _load_xicun_2022() -> None:
    data = _fixture("xicun_2022.json")
    contract = _contract(
        data["contract"], station="xicun", operator="广州市荔湾区逢源人家服务中心",
        buyer="广州市荔湾区西村街道办事处", supervisor="广州市荔湾区民政局",
    )
    _projects(contract, data["projects"])
    _performance_evaluation(data["evaluation"], department="广州市荔湾区西村街道办事处", contract=contract)


def _load_yuangang_2023() -> None:
    data = _fixture("yuangang_2023.json")
    contract = _contract(
        data["contract"], station="yuangang", operator="广州市北斗星社会工作服务中心",
        buyer="广州市天河区元岗街道办事处", supervisor="广州市天河区民政局",
    )
    _annual_figures(contract, data["figures"], data["months"])
    _projects(contract, data["projects"])
    _performance_evaluation(data["evaluation"], department="广州市天河区元岗街道办事处", contract=contract)


def _load_zhongluotan_2022() -> None:
    data = _fixture("zhongluotan_2022.json")
    contract = _contract(
        data["contract"], station="zhongluotan", operator="广州市心明爱社会工作服务中心",
        buyer="广州市白云区钟落潭镇人民政府", supervisor="广州市白云区民政局",
    )
    _annual_figures(contract, data["figures"], data["months"])
    for order, percentage, condition, note in data["tranches"]:
        _upsert(
            PaymentTranche, {"percentage": _dec(percentage), "condition": condition, "note": note},
            contract=contract, order=order,
        )
    _performance_evaluation(data["evaluation"], department="广州市白云区钟落潭镇人民政府", contract=contract)


# --- entry point ------------------------------------------------------------------------------------------------

COUNTED = [
    District, Street, Station, Organisation, User, Community, Contract, ServiceArea, PaymentTranche, ServiceProject,
    StaffMember, StaffMonth, ActivityEntry, IndicatorDefinition, Target, MonthlyActual, RubricTemplate, RubricSection,
    RubricItem, Evaluation, EvaluationAssignment, PartyScore, EvaluationSection, EvaluationItem, Finding,
    PerformanceEvaluation, PerformanceIndicator, ExpenseLine, QuarterSubmission,
]


# Quarters whose figures the seeds publish were reported long ago: submit them so the home pages list only
# what is genuinely still open (xicun-2024: data up to 2025-04, so 2024-Q4 and 2025-Q1; the older contracts: all).
REPORTED_QUARTERS_UNTIL = {
    "xicun-2024": date(2025, 3, 31),
    "xicun-2022": None,
    "yuangang-2023": None,
    "zhongluotan-2022": None,
}


def _submit_reported_quarters() -> None:
    admin = User.objects.get(username="admin")
    for code, until in REPORTED_QUARTERS_UNTIL.items():
        contract = Contract.objects.select_related("station__street").get(code=code)
        submitter = (
            User.objects.filter(role=User.Role.STREET, organisation__street=contract.station.street_id).first() or admin
        )
        submitted = set(
            QuarterSubmission.objects.filter(contract=contract, status__in=QuarterSubmission.LOCKED_STATUSES).values_list(
                "year", "quarter"
            )
        )
        for quarter in contract_quarters(contract.start_date, contract.end_date):
            if (until is None or quarter.end <= until) and (quarter.year, quarter.quarter) not in submitted:
                quarter_submit(contract=contract, quarter=quarter, user=submitter)


def demo_counts() -> dict[str, int]:
    return {model._meta.verbose_name: model.objects.count() for model in COUNTED}


@transaction.atomic
def demo_load() -> DemoSummary:
    """Load (or refresh) every demo data set; safe to run again."""
    _load_places()
    _load_users()
    _load_indicator_catalogue()
    _load_xicun_2024()
    _load_xicun_2022()
    _load_jingtai_2023()
    _load_yuangang_2023()
    _load_zhongluotan_2022()
    _submit_reported_quarters()
    load_evaluation_demo()  # reports/demo.py: the draft final evaluation for the 回避 and scoring walk-through
    summary.refresh()  # the oversight summary tables (kept current by triggers; built here, not on the first read)
    return DemoSummary(counts=demo_counts())

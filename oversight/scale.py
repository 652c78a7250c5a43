"""Generated Guangzhou-scale data (issue 10 §1): `manage.py load_scale --stations N --years Y [--seed S]`.

Adds N generated stations to a database loaded by `load_demo`, spread over Guangzhou's 11 districts, each with one
contract per year for the last Y years (contracts start mid-month), 3–5 片区, targets and monthly actuals for the demo
indicator catalogue with realistic variation, staff with monthly on-post records, quarter submissions in every
state and four-party evaluations in every state. Everything is written with bulk inserts (batch size BATCH), in one
transaction, and is reproducible: the same seed gives the same rows.

Every generated name says it is generated (“规模测试…”): the data is for measuring pages, never a fact about a
real station. The demo users see the new stations through their roles (supervision_gz the whole city,
bureau_liwan the stations generated in 荔湾区); evaluator_gzswa is assigned to the generated evaluations.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from evalportal.bulk import insert_rows
from evalportal.dbstats import update_statistics
from evalportal.periods import add_months, calendar_months, contract_quarters, month_in_period
from indicators.models import IndicatorDefinition, MonthlyActual, Target
from indicators.scoring import evaluation_grade, evaluation_total
from oversight import summary
from reports.models import PARTY_WEIGHTS, Evaluation, EvaluationAssignment, Party, PartyScore
from stations.models import (
    Contract,
    District,
    Organisation,
    QuarterSubmission,
    ServiceArea,
    StaffMember,
    StaffMonth,
    Station,
    Street,
    User,
)

BATCH = 5000
PREFIX = "scale-"
TZ = ZoneInfo("Asia/Shanghai")

# Guangzhou's 11 districts (code, name)
DISTRICTS = [
    ("liwan", "荔湾区"), ("yuexiu", "越秀区"), ("haizhu", "海珠区"), ("tianhe", "天河区"), ("baiyun", "白云区"),
    ("huangpu", "黄埔区"), ("panyu", "番禺区"), ("huadu", "花都区"), ("nansha", "南沙区"), ("conghua", "从化区"),
    ("zengcheng", "增城区"),
]
SURNAMES = "陈李黄张梁刘林何罗郑谢吴冯杨邓许"
GIVEN = "嘉欣敏婷丽华伟强静文志明颖雅晓慧俊杰"
RETURN_REASONS = ["三月入户探访人次与台账不符，请核对后重新提交。", "片区二电访数据缺失，请补充。",
                  "资源链接金额与票据不一致，请更正。"]


class ScaleError(Exception):
    pass


@dataclass
class ScaleResult:
    stations: int = 0
    contracts: int = 0
    actuals: int = 0
    staff_months: int = 0
    submissions: int = 0
    evaluations: int = 0


def _bulk(model, rows: list) -> list:
    created = []
    for i in range(0, len(rows), BATCH):
        created += model.objects.bulk_create(rows[i:i + BATCH], batch_size=BATCH)
    return created


def scale_delete() -> int:
    """Remove previously generated data (everything whose code starts with PREFIX), leaf tables first, then refresh
    the planner statistics (the tables shrank by orders of magnitude)."""
    count = _scale_delete()
    update_statistics()
    return count


@transaction.atomic
def _scale_delete() -> int:
    # The big leaf tables are deleted with one DELETE each (no per-row collection: nothing refers to their rows).
    contracts = Contract.objects.filter(code__startswith=PREFIX).values("pk")
    count = Station.objects.filter(code__startswith=PREFIX).count()
    for qs in (
        MonthlyActual.objects.filter(contract__in=contracts),
        StaffMonth.objects.filter(staff__contract__in=contracts),
        Target.objects.filter(contract__in=contracts),
        QuarterSubmission.objects.filter(contract__in=contracts),
    ):
        qs._raw_delete(qs.db)
    Evaluation.objects.filter(contract__in=contracts).delete()
    StaffMember.objects.filter(contract__in=contracts).delete()
    Contract.objects.filter(code__startswith=PREFIX).delete()
    Organisation.objects.filter(name__startswith="规模测试").exclude(kind=Organisation.Kind.BUREAU).delete()
    Station.objects.filter(code__startswith=PREFIX).delete()
    Street.objects.filter(code__startswith=PREFIX).delete()
    summary.refresh()
    return count


def scale_load(*, stations: int, years: int, seed: int = 2025, today: date | None = None) -> ScaleResult:
    """Generate the stations (in one transaction), then refresh the planner statistics: without them SQLite picks
    its indexes by rule of thumb, which on this much data reads far more rows than the pages show."""
    result = _scale_load(stations=stations, years=years, seed=seed, today=today)
    update_statistics()
    return result


@transaction.atomic
def _scale_load(*, stations: int, years: int, seed: int, today: date | None) -> ScaleResult:
    if stations < 1 or years < 1:
        raise ScaleError("服务站数量和年数都必须至少为 1。")
    indicators = list(IndicatorDefinition.objects.filter(active=True).order_by("order", "code"))
    evaluator = User.objects.filter(username="evaluator_gzswa").select_related("organisation").first()
    centre = Organisation.objects.filter(kind=Organisation.Kind.SUPERVISION).order_by("pk").first()
    if not indicators or evaluator is None or centre is None:
        raise ScaleError("请先运行 manage.py load_demo 导入演示数据（指标目录、评估机构和督导中心）。")
    if Station.objects.filter(code__startswith=PREFIX).exists():
        raise ScaleError("已有规模测试数据：请加 --replace 先删除再生成。")
    rng = random.Random(seed)
    today = today or timezone.localdate()
    result = ScaleResult()

    districts = {}
    bureaus = {}
    for code, name in DISTRICTS:
        districts[code], _ = District.objects.get_or_create(code=code, defaults={"name": name})
        bureau = Organisation.objects.filter(kind=Organisation.Kind.BUREAU, district=districts[code]).first()
        if bureau is None:
            bureau = Organisation.objects.create(name=f"广州市{name}民政局", short_name=f"{name}民政局",
                                                 kind=Organisation.Kind.BUREAU, district=districts[code])
        bureaus[code] = bureau
    operators = {
        code: Organisation.objects.create(name=f"规模测试{name}社会工作服务中心", short_name=f"规模测试{name}社工中心",
                                          kind=Organisation.Kind.OPERATOR, district=districts[code])
        for code, name in DISTRICTS
    }

    # streets, stations, street offices
    plan = [(i, DISTRICTS[i % len(DISTRICTS)][0]) for i in range(stations)]
    streets = _bulk(Street, [
        Street(code=f"{PREFIX}{i:05d}", district=districts[d], name=f"规模测试{i:05d}街道") for i, d in plan
    ])
    station_rows = _bulk(Station, [
        Station(code=f"{PREFIX}{i:05d}", street=street, name=f"{districts[d].name}规模测试{i:05d}街社工服务站")
        for (i, d), street in zip(plan, streets, strict=True)
    ])
    offices = _bulk(Organisation, [
        Organisation(name=f"规模测试{i:05d}街道办事处", short_name=f"规模测试{i:05d}街道办",
                     kind=Organisation.Kind.STREET_OFFICE, district=districts[d], street=street)
        for (i, d), street in zip(plan, streets, strict=True)
    ])
    result.stations = len(station_rows)

    # contracts: one per year, the last one running today; each starts on a day between the 1st and the 20th
    contracts: list[Contract] = []
    for (i, d), station, office in zip(plan, station_rows, offices, strict=True):
        month = rng.randint(1, 12)
        day = rng.randint(1, 20)
        first = date(today.year - years, month, day)
        if first + timedelta(days=365 * years) <= today:  # make the last contract the one running today
            first = date(today.year - years + 1, month, day)
        for y in range(years):
            start = date(first.year + y, first.month, first.day)
            end = date(start.year + 1, start.month, start.day) - timedelta(days=1)
            contracts.append(Contract(
                code=f"{PREFIX}{i:05d}-{start.year}", title=f"{station.name}项目（{start.year}年度）", station=station,
                operator=operators[d], buyer=office, supervisor=bureaus[d], start_date=start, end_date=end,
                budget=Decimal("2400000.00"), required_certified_staff=13, required_staff=20,
            ))
    contracts = _bulk(Contract, contracts)
    result.contracts = len(contracts)

    areas_by_contract: dict[int, list[ServiceArea]] = {}
    area_rows = []
    for contract in contracts:
        for n in range(rng.randint(3, 5)):
            area_rows.append(ServiceArea(contract=contract, name=f"片区{n + 1}", order=n + 1,
                                         social_workers=rng.randint(3, 5)))
    for area in _bulk(ServiceArea, area_rows):
        areas_by_contract.setdefault(area.contract_id, []).append(area)

    # targets and monthly actuals: each indicator runs at its contract's own pace ± noise
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    targets, actuals = [], []
    for contract in contracts:
        areas = areas_by_contract[contract.pk]
        months = [m for m in calendar_months(contract.start_date, contract.end_date)
                  if month_in_period(m, contract.start_date, contract.end_date) and m <= today]
        pace = rng.uniform(0.75, 1.15)  # some stations behind, most on pace
        for indicator in indicators:
            scope_areas = areas if indicator.scope == IndicatorDefinition.Scope.AREA else [None]
            for area in scope_areas:
                base = rng.randint(60, 900) if indicator.value_type != "money" else rng.randint(5000, 60000)
                target = Decimal(base)
                targets.append(Target(contract=contract, service_area=area, indicator=indicator, value=target))
                per_month = float(target) / 12 * pace
                for month in months:
                    if indicator.accumulation == IndicatorDefinition.Accumulation.STOCK:
                        value = float(target) * min(1.0, pace * (months.index(month) + 1) / 12) * rng.uniform(0.9, 1.05)
                    else:
                        value = per_month * rng.uniform(0.6, 1.4)
                    places = 2 if indicator.value_type == "money" else (1 if indicator.value_type == "hours" else 0)
                    actuals.append((contract.pk, area.pk if area else None, indicator.pk, month,
                                    round(Decimal(str(max(value, 0))), places), 1, stamp))
    _bulk(Target, targets)
    insert_rows(MonthlyActual, ["contract_id", "service_area_id", "indicator_id", "month", "value", "version",
                                 "updated_at"], actuals)
    result.actuals = len(actuals)
    del actuals

    # staff: a head, a deputy, and 3–5 workers per 片区; a few leave and are replaced during the year
    staff_rows, staff_plan = [], []
    for contract in contracts:
        order = 0
        for position, area in [("head", None), ("deputy", None)] + [
            ("area_worker", a) for a in areas_by_contract[contract.pk] for _ in range(a.social_workers)
        ]:
            order += 1
            certificate = rng.choices(["intermediate", "assistant", "none"], weights=[2, 6, 3])[0]
            staff_rows.append(StaffMember(
                contract=contract, order=order, name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                position=position, certificate=certificate, service_area=area,
                two_years_practice=rng.random() < 0.6, joined_on=contract.start_date,
            ))
            staff_plan.append(contract)
    staff_rows = _bulk(StaffMember, staff_rows)
    months_rows = []
    for staff, contract in zip(staff_rows, staff_plan, strict=True):
        months = [m for m in calendar_months(contract.start_date, contract.end_date) if m <= today]
        leaves = rng.random() < 0.08
        for n, month in enumerate(months):
            on_post = Decimal(1)
            if leaves and n >= len(months) // 2:
                on_post = Decimal("0") if n > len(months) // 2 else Decimal("0.5")
            months_rows.append((staff.pk, month, on_post, on_post > 0, on_post > 0, staff.service_area_id, 1))
    insert_rows(StaffMonth, ["staff_id", "month", "on_post", "social_insurance", "salary_paid", "service_area_id",
                              "version"], months_rows)
    result.staff_months = len(months_rows)

    # quarter submissions: past quarters mostly approved; the recent ones in every state
    now = datetime.now(TZ)
    submissions = []
    for contract in contracts:
        for quarter in contract_quarters(contract.start_date, contract.end_date):
            if quarter.start > today:
                break
            recent = quarter.deadline >= today - timedelta(days=120)
            roll = rng.random()
            if not recent:
                status = "approved" if roll < 0.9 else "submitted"
            elif quarter.end >= today:
                status = "draft" if roll < 0.8 else "submitted"
            else:
                status = ("submitted" if roll < 0.45 else "approved" if roll < 0.7
                          else "returned" if roll < 0.82 else "draft")
            submitted_at = datetime(*quarter.deadline.timetuple()[:3], 10, tzinfo=TZ) - timedelta(
                days=rng.randint(0, 20))
            submitted_at = min(submitted_at, now)
            submissions.append(QuarterSubmission(
                contract=contract, year=quarter.year, quarter=quarter.quarter, status=status,
                submitted_at=submitted_at if status in ("submitted", "approved", "returned") else None,
                approved_at=submitted_at + timedelta(days=3) if status == "approved" else None,
                returned_at=submitted_at + timedelta(days=2) if status == "returned" else None,
                return_reason=rng.choice(RETURN_REASONS) if status == "returned" else "",
            ))
    _bulk(QuarterSubmission, submissions)
    result.submissions = len(submissions)

    # evaluations: mid-term (month 6) and final (month 12) of each contract, finalised when past, else in progress
    evaluations, plans = [], []
    for contract in contracts:
        for kind, after in (("midterm", 6), ("final", 12)):
            on = min(add_months(contract.start_date, after) - timedelta(days=10), contract.end_date)
            if on > today + timedelta(days=90):
                continue
            done = on < today - timedelta(days=30) and rng.random() < 0.95
            evaluations.append(Evaluation(
                code=f"{contract.code}-{'mid' if kind == 'midterm' else 'final'}", contract=contract, kind=kind,
                date=on, period_start=contract.start_date, period_end=on, agency=evaluator.organisation,
                supervision_centre=centre, status="draft",
            ))
            plans.append(done)
    evaluations = _bulk(Evaluation, evaluations)
    scores, assignments, finals = [], [], []
    for evaluation, done in zip(evaluations, plans, strict=True):
        quality = rng.uniform(0.55, 0.97)
        points = {}
        for party, weight in PARTY_WEIGHTS.items():
            submitted = done or rng.random() < 0.4
            value = (weight * Decimal(str(min(1.0, quality * rng.uniform(0.95, 1.05))))).quantize(Decimal("0.01"))
            points[party] = value
            scores.append(PartyScore(
                evaluation=evaluation, party=party, weight=weight, points=value if submitted else None,
                status="submitted" if submitted else "draft",
                submitted_at=datetime(*evaluation.date.timetuple()[:3], 16, tzinfo=TZ) if submitted else None,
            ))
        declaration = "no_conflict" if done or rng.random() < 0.6 else "pending"
        assignments.append(EvaluationAssignment(evaluation=evaluation, user=evaluator, declaration=declaration))
        if done:
            total = evaluation_total(points[p] for p in Party.values)
            evaluation.total_score = total
            evaluation.grade = evaluation_grade(total)[0]
            evaluation.status = "finalised"
            evaluation.finalised_at = datetime(*evaluation.date.timetuple()[:3], 17, tzinfo=TZ)
            finals.append(evaluation)
    _bulk(PartyScore, scores)
    _bulk(EvaluationAssignment, assignments)
    for i in range(0, len(finals), BATCH):
        Evaluation.objects.bulk_update(finals[i:i + BATCH], ["total_score", "grade", "status", "finalised_at"])
    result.evaluations = len(evaluations)
    summary.refresh()  # the summary tables of the new contracts, here rather than on the first page read
    return result


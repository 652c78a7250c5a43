"""HTTP API v1 (issue 12): the browser's rules through the same selectors and services, scoped to the caller's
organisation (objects outside it answer 404), cursor-paginated lists with the browser's filters, ETags, problem+json
errors. Writes go through indicators.services, so locks, validation messages and the audit are the browser's own
(source "API")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from evalportal.edits import ConcurrentEdit
from evalportal.periods import Quarter, contract_quarters
from evalportal.roles import (
    contracts_editable_by,
    contracts_visible_to,
    evaluations_visible_to,
    is_admin,
    stations_visible_to,
)
from indicators.calculations import percent_value, round_half_up
from indicators.changes import CellChange
from indicators.entry import entry_grid
from indicators.models import IndicatorDefinition
from indicators.selectors import CompletionCell, indicator_completion_table
from indicators.services import CellErrors, quarter_save, quarter_submit
from reports.archive.selectors import attach_versions
from reports.models import EvaluationAssignment
from reports.pdf_selectors import (
    evaluations_reportable_by,
    performance_evaluations_reportable_by,
    reportable_evaluation_ids,
)
from reports.permissions import party_content_visible
from reports.selectors import ordered_party_scores
from stations.models import Contract, District, StaffMember, Street
from stations.register import staff_month_grid

from . import serializers as s
from .filters import (
    ApiContractFilter,
    ApiEvaluationFilter,
    PerformanceReportFilter,
    ScopedFilterBackend,
    StationFilter,
    StreetFilter,
)
from .problems import problem
from .tokens import api_token_create

SOURCE = "API"


class Cursor(CursorPagination):
    ordering = "code"  # every list is ordered by its natural key (indexed, unique)
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def _month(text: str) -> date:
    try:
        year, month = (int(p) for p in text.split("-"))
        return date(year, month, 1)
    except (ValueError, OverflowError):
        raise Http404 from None


class DistrictList(generics.ListAPIView):
    """区：调用者能看到的站点所在的区。"""

    serializer_class = s.DistrictSerializer
    pagination_class = Cursor

    def get_queryset(self) -> QuerySet:
        user = self.request.user
        if is_admin(user) or user.role == "supervision":
            return District.objects.all()
        return District.objects.filter(streets__station__in=stations_visible_to(user)).distinct()


class StreetList(generics.ListAPIView):
    """街道/镇：调用者能看到的站点所在的街道（筛选与网页相同：区 id、名称）。"""

    serializer_class = s.StreetSerializer
    pagination_class = Cursor
    filter_backends = [ScopedFilterBackend]
    filterset_class = StreetFilter

    def get_queryset(self) -> QuerySet:
        user = self.request.user
        qs = Street.objects.select_related("district")
        if is_admin(user) or getattr(user, "role", "") == "supervision":
            return qs
        return qs.filter(pk__in=stations_visible_to(user).values("street_id"))


class StationList(generics.ListAPIView):
    """社工服务站：调用者有权查看的站点（筛选与网页相同：区、街道 id，名称或代码）。"""

    serializer_class = s.StationSerializer
    pagination_class = Cursor
    filter_backends = [ScopedFilterBackend]
    filterset_class = StationFilter

    def get_queryset(self) -> QuerySet:
        return stations_visible_to(self.request.user).select_related("street__district")


class ContractList(generics.ListAPIView):
    """服务协议：调用者有权查看的协议（网页“服务协议”列表的筛选：区、街道 id，年度，搜索）。"""

    serializer_class = s.ContractSerializer
    pagination_class = Cursor
    filter_backends = [ScopedFilterBackend]
    filterset_class = ApiContractFilter

    def get_queryset(self) -> QuerySet:
        return contracts_visible_to(self.request.user).select_related("station")


def visible_contract(request: Request, code: str) -> Contract:
    contract = contracts_visible_to(request.user).select_related("station").filter(code=code).first()
    if contract is None:
        raise Http404
    return contract


class ContractDetail(APIView):
    """一份服务协议：片区与协议量。"""

    @extend_schema(responses=s.ContractDetailSerializer)
    def get(self, request: Request, code: str) -> Response:
        contract = visible_contract(request, code)
        contract = Contract.objects.prefetch_related("service_areas", "targets__indicator").get(pk=contract.pk)
        return Response(s.ContractDetailSerializer(contract).data)


def _completion_cell(cell: CompletionCell) -> dict:
    rate = percent_value(cell.rate)
    return {"indicator": cell.indicator.code, "name": cell.indicator.name, "target": _text(cell.target),
            "actual": _text(cell.actual), "rate": None if rate is None else f"{rate:.2f}",
            "behind_pace": bool(cell.pace.is_behind(cell.actual, cell.target, cell.indicator.accumulation))}


class Completion(APIView):
    """附件1 服务指标完成情况（与 Excel 导出同一数据）。"""

    @extend_schema(parameters=[OpenApiParameter("until", OpenApiTypes.DATE, description="统计截至日期（默认今天）")],
                   responses=s.CompletionSerializer)
    def get(self, request: Request, code: str) -> Response:
        contract = visible_contract(request, code)
        raw = request.query_params.get("until")
        try:
            cutoff = date.fromisoformat(raw) if raw else timezone.localdate()
        except ValueError:
            return problem(400, "until 应为 YYYY-MM-DD 格式的日期。", errors={"until": ["日期格式不正确。"]})
        table = indicator_completion_table(contract, min(max(cutoff, contract.start_date), contract.end_date))

        def row(r, label):
            return {"area": label, "social_workers": r.social_workers, "cells": [_completion_cell(c) for c in r.cells]}

        return Response({
            "contract": contract.code, "cutoff": table.cutoff, "months": len(table.months),
            "area_rows": [row(r, r.area.name) for r in table.area_rows],
            "total_row": row(table.total_row, "合计") if table.total_row else None,
            "station": [_completion_cell(r.cell) for r in table.station_rows],
        })


def _quarter(contract: Contract, text: str) -> Quarter:
    try:
        quarter = Quarter.parse(text)
    except ValueError:
        raise Http404 from None
    if quarter not in contract_quarters(contract.start_date, contract.end_date):
        raise Http404
    return quarter


def _quarter_payload(contract: Contract, quarter: Quarter, user) -> dict:
    grid = entry_grid(contract=contract, quarter=quarter, user=user)
    cells = [
        {"area": row.area.pk if row.area else None, "indicator": row.indicator.code, "month": f"{cell.month:%Y-%m}",
         "value": _text(cell.value), "version": cell.version, "editable": cell.editable, "lock_reason": cell.lock_reason}
        for _, row, cell in grid.cells() if cell.open
    ]
    return {"contract": contract.code, "quarter": quarter.slug, "status": grid.status,
            "status_label": grid.status_label, "version": grid.version, "cells": cells}


class QuarterActuals(APIView):
    """一个季度的月度完成量：读取（含每个单元格的版本号），或保存（带读取时的版本号；与网页相同的校验、锁定和修改记录）。"""

    @extend_schema(responses=s.QuarterSerializer)
    def get(self, request: Request, code: str, quarter: str) -> Response:
        contract = visible_contract(request, code)
        return Response(_quarter_payload(contract, _quarter(contract, quarter), request.user))

    @extend_schema(request=s.QuarterWriteSerializer, responses={200: s.SaveResultSerializer})
    def put(self, request: Request, code: str, quarter: str) -> Response:
        contract = visible_contract(request, code)
        quarter_obj = _quarter(contract, quarter)
        if not contracts_editable_by(request.user).filter(pk=contract.pk).exists():
            return problem(403, "无权限修改本协议的数据。")
        body = s.QuarterWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        indicators = {i.code: i for i in IndicatorDefinition.objects.all()}
        areas = {a.pk for a in contract.service_areas.all()}
        current = {(c["area"], c["indicator"], c["month"]): c
                   for c in _quarter_payload(contract, quarter_obj, request.user)["cells"]}
        changes, errors = [], {}
        for i, cell in enumerate(body.validated_data["cells"]):
            where = f"cells[{i}]"
            indicator = indicators.get(cell["indicator"])
            if indicator is None:
                errors[where] = [f"未知指标“{cell['indicator']}”。"]
                continue
            if cell["area"] is not None and cell["area"] not in areas:
                errors[where] = [f"片区 {cell['area']} 不属于本协议。"]
                continue
            stored = current.get((cell["area"], cell["indicator"], cell["month"]))
            if stored is None:
                errors[where] = [f"{cell['month']} 不在{quarter_obj.label}的可填报月份中，或本协议没有该指标。"]
                continue
            value = cell["value"]
            # idempotent: a cell that already holds the requested value is left alone whatever version is sent
            if _text(value) == stored["value"]:
                continue
            changes.append(CellChange(area_id=cell["area"], indicator_id=indicator.pk, month=_month(cell["month"]),
                                      value=value, expected_version=cell["version"]))
        if errors:
            return problem(400, "；".join(f"{k}：{v[0]}" for k, v in errors.items()), errors=errors)
        try:
            result = quarter_save(contract=contract, quarter=quarter_obj, changes=changes, user=request.user,
                                  source=SOURCE)
        except ConcurrentEdit as exc:
            return problem(409, str(exc), current=_quarter_payload(contract, quarter_obj, request.user)["cells"])
        except CellErrors as exc:
            errs = {f"{a or 0}-{ind}-{m:%Y-%m}": [msg] for (a, ind, m), msg in exc.errors.items()}
            return problem(400, str(exc), errors=errs)
        return Response({"created": result.created, "updated": result.updated, "deleted": result.deleted,
                         "unchanged": result.unchanged + len(body.validated_data["cells"]) - len(changes)})


class QuarterSubmit(APIView):
    """提交季度数据（提交后只读，须区民政局退回才能修改）。"""

    @extend_schema(request=s.SubmitSerializer, responses={200: s.QuarterSerializer})
    def post(self, request: Request, code: str, quarter: str) -> Response:
        contract = visible_contract(request, code)
        quarter_obj = _quarter(contract, quarter)
        if not contracts_editable_by(request.user).filter(pk=contract.pk).exists():
            return problem(403, "无权限提交本协议的数据。")
        body = s.SubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        quarter_submit(contract=contract, quarter=quarter_obj, user=request.user,
                       expected_version=body.validated_data["version"], source=SOURCE)
        return Response(_quarter_payload(contract, quarter_obj, request.user))


def _assignments_of(user, evaluations: list) -> None:
    """Hand each listed evaluation the caller's own assignment (one query), so that reports.permissions decides 回避
    and party visibility without a query per evaluation."""
    if getattr(user, "role", "") != "evaluator" or is_admin(user):
        return
    mine = {a.evaluation_id: a for a in EvaluationAssignment.objects.filter(user=user, evaluation__in=evaluations)}
    for evaluation in evaluations:
        evaluation.user_assignment = mine.get(evaluation.pk)


def _points(value) -> str | None:
    return None if value is None else f"{round_half_up(value, 2)}"


class EvaluationList(generics.ListAPIView):
    """评估（中期/末期）：与网页“四方评估总览”相同的范围和筛选。各方得分按网页的规则显示（reports.permissions.party_content_visible：
    已提交或已定稿后各方可见，之前只有本方和系统管理员可见）；评估员声明回避前只看到状态；总分和等级在定稿后提供。"""

    serializer_class = s.EvaluationSerializer
    pagination_class = Cursor
    filter_backends = [ScopedFilterBackend]
    filterset_class = ApiEvaluationFilter

    def get_queryset(self) -> QuerySet:
        return evaluations_visible_to(self.request.user).select_related(
            "contract__station__street__district"
        ).prefetch_related("party_scores")

    def list(self, request, *args, **kwargs):
        user = request.user
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        open_ids = reportable_evaluation_ids(user, page)  # 回避: what the overview links to and lets download
        _assignments_of(user, page)
        data = []
        for evaluation in page:
            pending = evaluation.pk not in open_ids
            data.append({
                "code": evaluation.code, "contract": evaluation.contract.code, "kind": evaluation.kind,
                "status": evaluation.status, "date": evaluation.date, "declaration_pending": pending,
                "total_score": None if pending else _points(evaluation.total_score),
                "grade": "" if pending else evaluation.grade,
                "parties": [{"party": p.party, "label": p.get_party_display(), "status": p.status,
                             "points": _points(p.points) if not pending and party_content_visible(
                                 user, evaluation, p.party, p.status) else None}
                            for p in ordered_party_scores(evaluation)],
                "report_url": request.build_absolute_uri(reverse("report_evaluation_pdf", args=[evaluation.code]))
                if not pending else None,
            })
        return self.get_paginated_response(data)


class ReportList(generics.ListAPIView):
    """评估报告：调用者在网页“报告下载”中可以下载的报告（同样的筛选）。已定稿的报告列出各存档版本：PDF/A 下载地址、SHA-256（生成后才有）、
    验证码，以及被哪一版取代。"""

    serializer_class = s.ReportSerializer
    pagination_class = Cursor
    filter_backends = [ScopedFilterBackend]
    filterset_class = ApiEvaluationFilter

    def get_queryset(self) -> QuerySet:
        return evaluations_reportable_by(self.request.user).select_related("contract__station")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        attach_versions(page, [])
        url = request.build_absolute_uri
        data = [{
            "evaluation": e.code, "contract": e.contract.code, "station": e.contract.station.name, "kind": e.kind,
            "status": e.status, "date": e.date, "pdf_url": url(reverse("report_evaluation_pdf", args=[e.code])),
            "archives": _archives(request, e),
        } for e in page]
        return self.get_paginated_response(data)


def _archives(request: Request, report) -> list[dict]:
    """The archived versions set by attach_versions, newest first, each with its own download link."""
    url = request.build_absolute_uri
    return [{
        "version": a.version, "verification_code": a.verification_code, "sha256": a.sha256 or None,
        "size": a.size, "archived_at": a.created_at, "superseded_by_version": a.superseded_version,
        "pdf_url": url(reverse("report_archive_pdf", args=[a.kind, a.code, a.version])),
    } for a in report.archive_versions]


def _performance_report(request: Request, pe) -> dict:
    street = pe.department.street
    return {
        "code": pe.code, "title": pe.title, "year": pe.year, "department": pe.department.name,
        "district": street.district.code if street else None,
        "contract": pe.contract.code if pe.contract else None, "status": pe.status, "published_at": pe.published_at,
        "pdf_url": request.build_absolute_uri(reverse("report_performance_pdf", args=[pe.code])),
        "archives": _archives(request, pe),
    }


def _performance_reports(request: Request) -> QuerySet:
    """What the browser's 报告下载 page lists under 绩效评价报告 (reports.pdf_selectors): the same scope."""
    return performance_evaluations_reportable_by(request.user).select_related(
        "department__street__district", "contract"
    )


class PerformanceReportList(generics.ListAPIView):
    """绩效评价报告：调用者在网页“报告下载”中可以下载的绩效评价（同样的范围；筛选：年度，另有区、状态、搜索）。已发布的报告列出各存档版本：
    PDF/A 下载地址、SHA-256（生成后才有）、验证码，以及被哪一版取代。"""

    serializer_class = s.PerformanceReportSerializer
    pagination_class = Cursor
    filter_backends = [ScopedFilterBackend]
    filterset_class = PerformanceReportFilter

    def get_queryset(self) -> QuerySet:
        return _performance_reports(self.request)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        attach_versions([], page)
        return self.get_paginated_response([_performance_report(request, pe) for pe in page])


class PerformanceReportDetail(APIView):
    """一份绩效评价报告（范围外或不存在：404）。"""

    @extend_schema(responses=s.PerformanceReportSerializer)
    def get(self, request: Request, code: str) -> Response:
        pe = _performance_reports(request).filter(code=code).first()
        if pe is None:
            raise Http404
        attach_versions([], [pe])
        return Response(_performance_report(request, pe))


class RegisterCursor(Cursor):
    ordering = ("order", "id")  # the register's own order (序号)


class StaffRegister(generics.ListAPIView):
    """社工名册：一份协议的社工（与网页“社工名册”相同的人员与字段）。"""

    serializer_class = s.StaffSerializer
    pagination_class = RegisterCursor

    def get_queryset(self) -> QuerySet:
        contract = visible_contract(self.request, self.kwargs["code"])
        return StaffMember.objects.filter(contract=contract).select_related("service_area")


def _decimal(value) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def _staff_figures(figures) -> dict:
    share, retention = percent_value(figures.two_years_share), percent_value(figures.retention_rate)
    training = figures.training_hours_per_worker_month
    return {
        "months": figures.months, "certified_effective": _decimal(figures.certified_effective),
        "required": _decimal(figures.required), "surplus": _decimal(figures.surplus),
        "uncertified_effective": _decimal(figures.uncertified_effective),
        "total_effective": _decimal(figures.total_effective), "total_two_years": _decimal(figures.total_two_years),
        "two_years_share": None if share is None else f"{share:.2f}",
        "continuing_staff": figures.continuing_staff, "required_staff": figures.required_staff,
        "retention_rate": None if retention is None else f"{retention:.2f}",
        "training_hours": _decimal(figures.training_hours),
        "training_hours_per_worker_month": None if training is None else f"{round_half_up(training, 2)}",
    }


class StaffQuarter(APIView):
    """一个季度的社工到岗情况（人员到位 1/0.5/0、社保、工资，每人每月），以及从协议开始到该季度末的附件2 数字。"""

    @extend_schema(responses=s.StaffQuarterSerializer)
    def get(self, request: Request, code: str, quarter: str) -> Response:
        contract = visible_contract(request, code)
        quarter_obj = _quarter(contract, quarter)
        grid = staff_month_grid(contract=contract, quarter=quarter_obj)
        editable = contracts_editable_by(request.user).filter(pk=contract.pk).exists()
        rows = [{
            "staff": row.staff.pk, "name": row.staff.name, "certificate": row.staff.certificate,
            "area": row.staff.service_area_id, "effective": _decimal(row.effective),
            "months": [{
                "month": f"{cell.month:%Y-%m}", "on_post": _decimal(cell.on_post),
                "social_insurance": cell.social_insurance, "salary_paid": cell.salary_paid, "version": cell.version,
                "editable": editable and cell.open and not cell.lock, "lock_reason": cell.lock,
            } for cell in row.cells if cell.open],
        } for row in grid.rows]
        return Response({
            "contract": contract.code, "quarter": quarter_obj.slug,
            "period": [f"{m:%Y-%m}" for m in grid.period_months], "rows": rows,
            "figures": _staff_figures(grid.figures),
        })


class TokenCreate(APIView):
    """用户名和密码换取接口令牌（令牌只返回这一次）。登录失败计入账户锁定，与网页登录相同。"""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_scope = "token"

    @extend_schema(request=s.TokenCreateSerializer, responses={201: s.TokenCreatedSerializer})
    def post(self, request: Request) -> Response:
        body = s.TokenCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            return problem(401, "用户名或密码不正确，或账户已锁定。")
        try:
            token, key = api_token_create(user=user, name=data["name"], days=data["days"], read_only=data["read_only"])
        except DjangoPermissionDenied as exc:
            return problem(403, str(exc))
        return Response({"token": key, "name": token.name, "read_only": token.read_only,
                         "expires_at": token.expires_at}, status=201)

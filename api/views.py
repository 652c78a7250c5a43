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
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from evalportal.edits import ConcurrentEdit
from evalportal.periods import Quarter, contract_quarters
from evalportal.roles import contracts_editable_by, contracts_visible_to, is_admin, stations_visible_to
from indicators.calculations import percent_value
from indicators.changes import CellChange
from indicators.entry import entry_grid
from indicators.models import IndicatorDefinition
from indicators.selectors import CompletionCell, indicator_completion_table
from indicators.services import CellErrors, quarter_save, quarter_submit
from reports.models import Evaluation, PartyScore
from reports.pdf_selectors import evaluations_reportable_by
from reports.permissions import evaluations_open_to
from stations.models import Contract, District

from . import serializers as s
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
    except ValueError:
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


@extend_schema(parameters=[
    OpenApiParameter("district", str, description="区代码"), OpenApiParameter("q", str, description="按名称搜索"),
])
class StationList(generics.ListAPIView):
    """社工服务站：调用者有权查看的站点。"""

    serializer_class = s.StationSerializer
    pagination_class = Cursor

    def get_queryset(self) -> QuerySet:
        qs = stations_visible_to(self.request.user).select_related("street__district")
        if district := self.request.query_params.get("district"):
            qs = qs.filter(street__district__code=district)
        if q := self.request.query_params.get("q"):
            qs = qs.filter(name__icontains=q[:50])
        return qs


@extend_schema(parameters=[
    OpenApiParameter("district", str, description="区代码"), OpenApiParameter("station", str, description="站点代码"),
    OpenApiParameter("year", int, description="服务期覆盖的年份"),
])
class ContractList(generics.ListAPIView):
    """服务协议：调用者有权查看的协议。"""

    serializer_class = s.ContractSerializer
    pagination_class = Cursor

    def get_queryset(self) -> QuerySet:
        qs = contracts_visible_to(self.request.user).select_related("station")
        params = self.request.query_params
        if district := params.get("district"):
            qs = qs.filter(station__street__district__code=district)
        if station := params.get("station"):
            qs = qs.filter(station__code=station)
        if year := params.get("year"):
            if not year.isdigit() or not 2000 <= int(year) <= 2100:
                raise ValidationError({"year": ["年份应为 2000 到 2100 之间的整数。"]})
            qs = qs.filter(start_date__year__lte=int(year), end_date__year__gte=int(year))
        return qs


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
                       expected_version=body.validated_data["version"])
        return Response(_quarter_payload(contract, quarter_obj, request.user))


@extend_schema(parameters=[OpenApiParameter("contract", str, description="服务协议代码"),
                           OpenApiParameter("status", str, description="draft 进行中 / finalised 已定稿")])
class EvaluationList(generics.ListAPIView):
    """评估（中期/末期）：状态；各方得分只在提交后、总分和等级只在定稿后提供。"""

    serializer_class = s.EvaluationSerializer
    pagination_class = Cursor

    def get_queryset(self) -> QuerySet:
        qs = evaluations_open_to(self.request.user).select_related("contract").prefetch_related("party_scores")
        if contract := self.request.query_params.get("contract"):
            qs = qs.filter(contract__code=contract)
        if status := self.request.query_params.get("status"):
            qs = qs.filter(status=status)
        return qs

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        reportable = set(evaluations_reportable_by(request.user).filter(pk__in=[e.pk for e in page])
                         .values_list("pk", flat=True))
        data = []
        for evaluation in page:
            final = evaluation.status == Evaluation.Status.FINALISED
            data.append({
                "code": evaluation.code, "contract": evaluation.contract.code, "kind": evaluation.kind,
                "status": evaluation.status, "date": evaluation.date,
                "total_score": f"{evaluation.total_score:.2f}" if final and evaluation.total_score is not None else None,
                "grade": evaluation.grade if final else "",
                "parties": [{"party": p.party, "label": p.get_party_display(), "status": p.status,
                             "points": f"{p.points:.2f}" if p.points is not None and (
                                 final or p.status == PartyScore.Status.SUBMITTED) else None}
                            for p in evaluation.party_scores.all()],
                "report_url": request.build_absolute_uri(reverse("report_evaluation_pdf", args=[evaluation.code]))
                if evaluation.pk in reportable else None,
            })
        return self.get_paginated_response(data)



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

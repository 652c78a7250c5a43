"""Oversight screens (issue 10): the quarter review list with bulk approval/return, and the filtered lists.

Thin views: filters (oversight.filters), services (indicators.approval) and role querysets (evalportal.roles).
Every list is filtered to what the user may see, paginated, and its filters live in the URL.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from evalportal.edits import EntryError
from evalportal.listing import bound_filter, districts_of, paginate, querystring_without_page
from evalportal.roles import (
    can_review_quarters,
    contract_scope,
    contracts_returnable_by,
    contracts_visible_to,
    evaluations_visible_to,
    is_admin,
    stations_visible_to,
)
from evalportal.xlsx import XLSX_CONTENT_TYPE
from indicators.approval import parse_seen, quarters_approve, quarters_return
from reports.models import Evaluation, Grade
from reports.pdf_selectors import evaluations_reportable_by
from stations.models import QuarterSubmission

from .dashboard import (
    EXPORT_LIMIT,
    export_limit_note,
    grade_chart_svg,
    grade_distribution,
    late_evaluations,
    running_contracts,
    station_rows,
)
from .dashboard import PAGE_SIZE as DASHBOARD_PAGE_SIZE
from .filters import ContractFilter, SubmissionFilter
from .models import WarningSettings
from .rows import dashboard_rows, submission_rows
from .todo import todo_for


@login_required
def home(request):
    """The home page of every role: a to-do list of what is due now or overdue, and the latest results."""
    user = request.user
    today = timezone.localdate()
    # Results the user may open and download (an evaluator only after declaring no conflict: 回避).
    results = list(
        evaluations_reportable_by(user)
        .filter(status=Evaluation.Status.FINALISED)
        .select_related("contract__station")
        .order_by("-date", "code")[:6]
    )
    return render(request, "home.html", {"todo": todo_for(user, today), "results": results, "today": today})


def _submissions(user):
    """The list's rows with only the columns its table shows (a full page stays cheap to load), in the user's scope (no
    condition for the whole city: the database reads the page in the list's order from an index, evalportal.roles)."""
    return QuarterSubmission.objects.filter(contract_scope(user, "contract__")).select_related(
        "contract__station__street__district", "submitted_by", "approved_by"
    ).only(
        "contract__code", "contract__station__name", "contract__station__street__name",
        "contract__station__street__district__name", "year", "quarter", "status", "version", "submitted_at",
        "submitted_by__display_name", "submitted_by__username", "returned_at", "return_reason", "approved_at",
        "approved_by__display_name", "approved_by__username",
    )


@login_required
def submission_list(request):
    """季度填报 list: the bureau's review queue (submitted quarters of the current year by default)."""
    today = timezone.localdate()
    reviewer = can_review_quarters(request.user)
    filterset = bound_filter(
        SubmissionFilter, request, _submissions(request.user),
        defaults={"year": str(today.year), "status": QuarterSubmission.Status.SUBMITTED if reviewer else ""},
        stations=stations_visible_to(request.user), today=today,
    )
    page = paginate(request, filterset.qs)
    return render(request, "oversight/submission_list.html", {
        "filter": filterset, "page": page, "querystring": querystring_without_page(request), "can_review": reviewer,
        "rows": submission_rows(page.object_list, can_review=reviewer),
        "today": today, "breadcrumbs": [("季度填报审核", None)],
    })


def _back(request) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("submission_list")


@login_required
@require_POST
def submission_bulk(request):
    """Bulk 审核通过 / 退回 of the ticked quarters: a confirmation page first, then the service (all in one transaction)."""
    if not can_review_quarters(request.user):
        raise PermissionDenied("只有区民政局可以审核或退回季度数据。")
    action = request.POST.get("action")
    if action not in ("approve", "return"):
        messages.error(request, "未知操作。")
        return redirect(_back(request))
    seen = parse_seen(request.POST.getlist("sub"))
    if not seen:
        messages.error(request, "请至少选择一个季度。")
        return redirect(_back(request))
    selected = list(
        QuarterSubmission.objects.filter(pk__in=list(seen), contract__in=contracts_returnable_by(request.user).values("pk"))
        .select_related("contract__station__street__district", "submitted_by")
        .order_by("contract__station__name", "year", "quarter")
    )
    if len(selected) != len(seen):
        raise Http404("所选季度不存在或不属于本区。")
    reason = request.POST.get("reason", "").strip()
    if request.POST.get("confirmed") != "1" or (action == "return" and not reason):
        if request.POST.get("confirmed") == "1":
            messages.error(request, "请填写退回原因。")
        return render(request, "oversight/submission_bulk_confirm.html", {
            "action": action, "selected": selected, "reason": reason, "next": _back(request),
            "seen": [f"{pk}:{version}" if version is not None else str(pk) for pk, version in seen.items()],
            "breadcrumbs": [("季度填报审核", _back(request)), ("确认", None)],
        })
    try:
        if action == "approve":
            result = quarters_approve(user=request.user, seen=seen)
        else:
            result = quarters_return(user=request.user, seen=seen, reason=reason)
    except PermissionDenied:
        raise Http404("所选季度不存在或不属于本区。") from None
    except EntryError as exc:
        messages.error(request, str(exc))
        return redirect(_back(request))
    verb = "审核通过" if action == "approve" else "退回"
    if result.done:
        messages.success(request, f"已{verb} {len(result.done)} 个季度。")
    for submission, why in result.skipped:
        messages.warning(request, f"{submission.contract.station.name} {why}")
    return redirect(_back(request))


@login_required
def contract_list(request):
    """服务站/服务协议 list (the street office: its own), filtered by district, street, year and name."""
    today = timezone.localdate()
    stations = stations_visible_to(request.user)
    contracts = contracts_visible_to(request.user).select_related("station__street__district", "operator")
    filterset = bound_filter(ContractFilter, request, contracts, defaults={"year": str(today.year)},
                             stations=stations, today=today)
    page = paginate(request, filterset.qs)
    return render(request, "oversight/contract_list.html", {
        "filter": filterset, "page": page, "querystring": querystring_without_page(request),
        "breadcrumbs": [("服务协议", None)],
    })


# --- dashboard (总览) ------------------------------------------------------------------------------------------


def _dashboard_scope(request):
    """The running contracts the user oversees (bureau: its district; city and admin: all, or ?district=)."""
    user = request.user
    if not (is_admin(user) or user.role in ("bureau", "supervision")):
        raise PermissionDenied("总览仅供区民政局和督导中心使用。")
    today = timezone.localdate()
    stations = stations_visible_to(user)
    districts = districts_of(stations)
    contracts = running_contracts(contracts_visible_to(user), today).select_related(
        "station__street__district"
    ).order_by("station__street__district__code", "station__name", "pk")
    district = None
    if request.GET.get("district"):
        district = next((d for d in districts if str(d.pk) == request.GET["district"]), None)
        if district is None:
            raise Http404("没有该区的数据。")
        contracts = contracts.filter(station__street__district=district)
    return today, contracts, list(districts), district


def _district_ids(districts, district) -> list[int]:
    """The districts a dashboard or chart covers: the chosen one, or every district of the user's scope
    (_dashboard_scope: the bureau its own, the city all: whole districts, as the summary tables are kept)."""
    return [district.pk] if district is not None else [d.pk for d in districts]


@login_required
def dashboard(request):
    today, contracts, districts, district = _dashboard_scope(request)
    settings = WarningSettings.current()
    page = paginate(request, contracts, DASHBOARD_PAGE_SIZE)
    rows = station_rows(list(page.object_list), today, settings)
    evaluations = evaluations_visible_to(request.user)
    if district is not None:
        evaluations = evaluations.filter(contract__station__street__district=district)
    grades = grade_distribution(_district_ids(districts, district), today.year)
    return render(request, "oversight/dashboard.html", {
        "today": today, "page": page, "rows": rows, "row_html": dashboard_rows(rows), "districts": districts,
        "district": district,
        "settings": settings, "defaults": WarningSettings.defaults(),
        "warnings": [(row, w) for row in rows for w in row.warnings],
        "late_evaluations": late_evaluations(evaluations, today, settings),
        "grades": grades, "grade_svg": grade_chart_svg(grades), "grade_labels": Grade.choices,
        "querystring": querystring_without_page(request), "breadcrumbs": [("总览", None)],
    })


@login_required
def dashboard_export(request):
    """The dashboard's station table as xlsx (two-row header), every station of the scope."""
    from django.http import HttpResponse
    from django.utils.http import content_disposition_header

    from .dashboard_excel import dashboard_workbook

    today, contracts, districts, district = _dashboard_scope(request)
    settings = WarningSettings.current()
    chosen = list(contracts[:EXPORT_LIMIT + 1])
    # beyond EXPORT_LIMIT (a province), one export stays within a request's time; a district's holds all its stations
    more = len(chosen) > EXPORT_LIMIT
    rows = station_rows(chosen[:EXPORT_LIMIT], today, settings, scope=None if more else contracts.values("pk"))
    if district is None and len(districts) == 1:
        district = districts[0]  # a bureau sees its own district: the title names it (not 全部区)
    note = export_limit_note("个服务站", "请选择区后分别导出") if more else ""
    response = HttpResponse(dashboard_workbook(rows, today, district, note), content_type=XLSX_CONTENT_TYPE)
    name = f"总览-{district.name if district else '全部'}-{today:%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response

"""Contracts, staff register and activity ledger screens (issue 3 §2, §4, §5). Thin views: selectors and services."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from evalportal.edits import AlreadyApplied, ConcurrentEdit, EntryError
from evalportal.listing import PAGE_SIZE, bound_filter, paginate, querystring_without_page
from evalportal.locks import DataLocked, change_lock_reason
from evalportal.periods import Quarter, contract_quarters
from evalportal.roles import contracts_editable_by, contracts_returnable_by, contracts_visible_to
from evalportal.security import get_visible_or_404
from evalportal.xlsx import XLSX_CONTENT_TYPE, UploadRejected, read_upload

from .excel import parse_staff_upload, staff_workbook
from .filters import ActivityFilter, AuditFilter, StaffFilter, default_year
from .forms import ActivityForm, StaffForm, TransferForm
from .imports import import_batch_for, import_batch_store
from .models import ActivityEntry, AuditEntry, ImportBatch, StaffMember, StaffTransfer
from .register import read_staff_month_post, staff_month_grid
from .services import activity_delete, activity_save, staff_import_apply, staff_months_save, staff_save, staff_transfer
from .submissions import quarter_statuses


def visible_contract(request, code: str):
    return get_visible_or_404(
        request.user, contracts_visible_to(request.user).select_related("station__street__district"), code=code
    )


@login_required
def contract_detail(request, code: str):
    contract = visible_contract(request, code)
    today = timezone.localdate()
    started = {(s.quarter.year, s.quarter.quarter): s for s in quarter_statuses(
        contracts_visible_to(request.user).filter(pk=contract.pk), today)}
    quarters = [(q, started.get((q.year, q.quarter))) for q in contract_quarters(contract.start_date, contract.end_date)]
    return render(
        request,
        "stations/contract_detail.html",
        {
            "contract": contract,
            "quarters": quarters,
            "can_edit": contracts_editable_by(request.user).filter(pk=contract.pk).exists(),
            "can_return": contracts_returnable_by(request.user).filter(pk=contract.pk).exists(),
            "today": today,
            "breadcrumbs": [("服务协议", reverse("contract_list")), (contract.station.name, None)],
        },
    )


# --- staff register ----------------------------------------------------------------------------------------------


def _editable(request, contract) -> bool:
    return contracts_editable_by(request.user).filter(pk=contract.pk).exists()


def _require_edit(request, contract) -> None:
    if not _editable(request, contract):
        raise PermissionDenied("无权限修改本协议的数据。")


def _contract_crumbs(contract, *extra):
    return [("服务协议", reverse("contract_list")), (contract.station.name, reverse("contract_detail", args=[contract.code])),
            *extra]


def _filtered(request, filterset_class, contract, queryset, *, year: str, per_page: int = PAGE_SIZE):
    """A contract list through its FilterSet (stations.filters; defaults only for parameters absent from the URL)."""
    filterset = bound_filter(filterset_class, request, queryset, defaults={"year": year}, contract=contract,
                             today=timezone.localdate())
    return filterset, paginate(request, filterset.qs, per_page)


def _list_context(request, filterset, page) -> dict:
    return {"filter": filterset, "page": page, "querystring": querystring_without_page(request)}


@login_required
def staff_list(request, code: str):
    contract = visible_contract(request, code)
    filterset, page = _filtered(request, StaffFilter, contract,
                                StaffMember.objects.filter(contract=contract).select_related("service_area"),
                                year=default_year(contract, timezone.localdate()))
    transfers = StaffTransfer.objects.filter(staff__contract=contract).select_related(
        "staff", "from_area", "to_area"
    ).order_by("-date", "-id")
    quarters = contract_quarters(contract.start_date, contract.end_date)
    current = Quarter.of(min(max(timezone.localdate(), contract.start_date), contract.end_date))
    return render(request, "stations/staff_list.html", {
        "contract": contract, "staff": page.object_list, "transfers": transfers,
        "can_edit": _editable(request, contract), "quarters": quarters, "current_quarter": current,
        **_list_context(request, filterset, page),
        "breadcrumbs": _contract_crumbs(contract, ("社工名册", None)),
    })


@login_required
def staff_edit(request, code: str, pk: int | None = None):
    contract = visible_contract(request, code)
    _require_edit(request, contract)
    staff = get_visible_or_404(request.user, StaffMember.objects.filter(contract=contract), pk=pk) if pk else None
    form = StaffForm(request.POST or None, instance=staff, contract=contract)
    if request.method == "POST" and form.is_valid():
        try:
            staff_save(contract=contract, user=request.user, data=form.cleaned_data, staff=staff)
        except ValidationError as exc:
            form.add_error(None, exc)
        except DataLocked as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存社工信息。")
            return redirect("staff_list", code=contract.code)
    title = f"编辑社工：{staff.name}" if staff else "新增社工"
    return render(request, "stations/staff_form.html", {
        "contract": contract, "form": form, "title": title,
        "breadcrumbs": _contract_crumbs(contract, ("社工名册", reverse("staff_list", args=[contract.code])), (title, None)),
    })


@login_required
def staff_transfer_view(request, code: str, pk: int):
    contract = visible_contract(request, code)
    _require_edit(request, contract)
    staff = get_visible_or_404(request.user, StaffMember.objects.filter(contract=contract).select_related("service_area"), pk=pk)
    form = TransferForm(request.POST or None, contract=contract, staff=staff)
    if request.method == "POST" and form.is_valid():
        try:
            staff_transfer(staff=staff, to_area=form.cleaned_data["to_area"], on=form.cleaned_data["date"],
                           user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except DataLocked as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已记录 {staff.name} 的片区调动。")
            return redirect("staff_list", code=contract.code)
    title = f"片区调动：{staff.name}（当前 {staff.service_area or '无片区'}）"
    return render(request, "stations/staff_form.html", {
        "contract": contract, "form": form, "title": title,
        "breadcrumbs": _contract_crumbs(contract, ("社工名册", reverse("staff_list", args=[contract.code])), ("调动", None)),
    })


@login_required
def staff_months(request, code: str, quarter: str):
    """The monthly on-post grid of a quarter (人员到位 1/0.5/0, 社保, 工资) and the 附件2 figures to date."""
    contract = visible_contract(request, code)
    try:
        quarter_obj = Quarter.parse(quarter)
    except ValueError:
        raise Http404("季度不存在。") from None
    if quarter_obj not in contract_quarters(contract.start_date, contract.end_date):
        raise Http404("该季度不在协议期内。")
    can_edit = _editable(request, contract)
    grid = staff_month_grid(contract=contract, quarter=quarter_obj)
    status = 200
    conflicts = []
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("无权限修改本协议的数据。")
        changes, errors = read_staff_month_post(grid, request.POST)
        if errors:
            messages.error(request, f"有 {errors} 处填写有误，未保存任何数据。")
            status = 400
        else:
            try:
                saved = staff_months_save(contract=contract, quarter=quarter_obj, changes=changes, user=request.user)
            except ConcurrentEdit as exc:
                conflicts = exc.conflicts
                messages.error(request, str(exc))
                status = 409
                grid.apply_conflicts(conflicts)
            except EntryError as exc:
                messages.error(request, str(exc))
                status = 400
            else:
                messages.success(request, f"已保存 {saved} 条月度到岗记录。")
                return redirect("staff_months", code=contract.code, quarter=quarter_obj.slug)
    return render(request, "stations/staff_months.html", {
        "contract": contract, "quarter": quarter_obj, "grid": grid, "can_edit": can_edit, "conflicts": conflicts,
        "quarters": contract_quarters(contract.start_date, contract.end_date),
        "breadcrumbs": _contract_crumbs(contract, ("社工名册", reverse("staff_list", args=[contract.code])),
                                        (f"{quarter_obj.label}到岗情况", None)),
    }, status=status)


# --- activity ledger ---------------------------------------------------------------------------------------------


@login_required
def activity_list(request, code: str):
    contract = visible_contract(request, code)
    activities = ActivityEntry.objects.filter(contract=contract).select_related("service_project", "service_area")
    filterset, page = _filtered(request, ActivityFilter, contract, activities,
                                year=default_year(contract, timezone.localdate()), per_page=25)
    return render(request, "stations/activity_list.html", {
        "contract": contract, "can_edit": _editable(request, contract), **_list_context(request, filterset, page),
        "breadcrumbs": _contract_crumbs(contract, ("活动台账", None)),
    })


@login_required
def activity_edit(request, code: str, pk: int | None = None):
    contract = visible_contract(request, code)
    _require_edit(request, contract)
    activity = get_visible_or_404(request.user, ActivityEntry.objects.filter(contract=contract), pk=pk) if pk else None
    form = ActivityForm(request.POST or None, instance=activity, contract=contract)
    if request.method == "POST" and form.is_valid():
        try:
            activity_save(contract=contract, user=request.user, data=form.cleaned_data, activity=activity)
        except ValidationError as exc:
            form.add_error(None, exc)
        except DataLocked as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存活动。")
            return redirect("activity_list", code=contract.code)
    title = "编辑活动" if activity else "新增活动"
    return render(request, "stations/activity_form.html", {
        "contract": contract, "form": form, "title": title,
        "lock": change_lock_reason(activity, None) if activity and request.method == "GET" else "",
        "breadcrumbs": _contract_crumbs(contract, ("活动台账", reverse("activity_list", args=[contract.code])),
                                        (title, None)),
    })


@login_required
def activity_delete_view(request, code: str, pk: int):
    contract = visible_contract(request, code)
    _require_edit(request, contract)
    activity = get_visible_or_404(request.user, ActivityEntry.objects.filter(contract=contract), pk=pk)
    lock = change_lock_reason(activity, None)
    if request.method == "POST":
        try:
            activity_delete(activity=activity, user=request.user, reason=request.POST.get("reason", ""))
        except DataLocked as exc:
            lock = exc.message
        else:
            messages.success(request, f"已删除活动“{activity.name}”。")
            return redirect("activity_list", code=contract.code)
    return render(request, "stations/activity_confirm_delete.html", {
        "contract": contract, "activity": activity, "lock": lock,
        "breadcrumbs": _contract_crumbs(contract, ("活动台账", reverse("activity_list", args=[contract.code])),
                                        ("删除活动", None)),
    })


# --- 修改记录 (issue 9 §3): who changed what, old → new, through the portal, Excel, the admin or a command -------

HISTORY_PER_PAGE = 50


def _history(request, contract, entries, *, title: str, crumbs, back_url: str):
    filterset, page = _filtered(request, AuditFilter, contract, entries.select_related("user"),
                                year=str(timezone.localdate().year), per_page=HISTORY_PER_PAGE)
    return render(request, "stations/audit_history.html", {
        "contract": contract, "title": title, "back_url": back_url, **_list_context(request, filterset, page),
        "breadcrumbs": _contract_crumbs(contract, *crumbs, ("修改记录", None)),
    })


@login_required
def staff_history(request, code: str, pk: int):
    """A staff member's record, months and transfers: every change, whoever may see the register may see it."""
    contract = visible_contract(request, code)
    staff = get_visible_or_404(request.user, StaffMember.objects.filter(contract=contract), pk=pk)
    entries = AuditEntry.objects.filter(contract=contract).filter(
        Q(subject=AuditEntry.Subject.STAFF, object_id=staff.pk)
        | Q(subject__in=[AuditEntry.Subject.STAFF_MONTH, AuditEntry.Subject.STAFF_TRANSFER], parent_id=staff.pk)
    )
    staff_url = reverse("staff_list", args=[contract.code])
    return _history(request, contract, entries, title=f"修改记录 · 社工 {staff.name}",
                    crumbs=[("社工名册", staff_url), (staff.name, None)], back_url=staff_url)


@login_required
def activity_history(request, code: str, pk: int):
    contract = visible_contract(request, code)
    activity = get_visible_or_404(request.user, ActivityEntry.objects.filter(contract=contract), pk=pk)
    entries = AuditEntry.objects.filter(contract=contract, subject=AuditEntry.Subject.ACTIVITY, object_id=activity.pk)
    list_url = reverse("activity_list", args=[contract.code])
    return _history(request, contract, entries, title=f"修改记录 · 活动 {activity.name}",
                    crumbs=[("活动台账", list_url), (activity.name, None)], back_url=list_url)


@login_required
def activity_log(request, code: str):
    """Every change of the contract's activity ledger, deleted activities included."""
    contract = visible_contract(request, code)
    entries = AuditEntry.objects.filter(contract=contract, subject=AuditEntry.Subject.ACTIVITY)
    list_url = reverse("activity_list", args=[contract.code])
    return _history(request, contract, entries, title="修改记录 · 活动台账（含已删除的活动）",
                    crumbs=[("活动台账", list_url)], back_url=list_url)


@login_required
def staff_log(request, code: str):
    """Every change of the contract's staff register (records, months, transfers), deleted records included."""
    contract = visible_contract(request, code)
    entries = AuditEntry.objects.filter(contract=contract, subject__in=[
        AuditEntry.Subject.STAFF, AuditEntry.Subject.STAFF_MONTH, AuditEntry.Subject.STAFF_TRANSFER,
    ])
    staff_url = reverse("staff_list", args=[contract.code])
    return _history(request, contract, entries, title="修改记录 · 社工名册（含到岗与调动）",
                    crumbs=[("社工名册", staff_url)], back_url=staff_url)


# --- staff register Excel (附件2) ---------------------------------------------------------------------------------


@login_required
def staff_export(request, code: str):
    """附件2 as xlsx for a 考核期: ?from=YYYY-MM-DD&until=YYYY-MM-DD (default: contract start → today)."""
    from .selectors import staff_on_post_table

    contract = visible_contract(request, code)
    try:
        start = date.fromisoformat(request.GET.get("from") or contract.start_date.isoformat())
        until = date.fromisoformat(request.GET.get("until") or timezone.localdate().isoformat())
    except ValueError:
        messages.error(request, "日期格式应为 YYYY-MM-DD。")
        return redirect("staff_list", code=contract.code)
    table = staff_on_post_table(contract, start, min(until, contract.end_date))
    on_register = StaffMember.objects.filter(contract=contract).filter(
        Q(joined_on__isnull=True) | Q(joined_on__lte=until), Q(left_on__isnull=True) | Q(left_on__gte=start)
    ).order_by("order", "id")
    response = HttpResponse(staff_workbook(table, also_staff=list(on_register)), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{contract.code}-社工到岗-{until:%Y%m%d}.xlsx")
    return response


@login_required
def staff_import(request, code: str):
    """Upload an 附件2 sheet: checked cell by cell, previewed, applied only on confirmation (values replace)."""
    contract = visible_contract(request, code)
    _require_edit(request, contract)
    context = {"contract": contract, "errors": [], "upload_error": "", "batch": None,
               "breadcrumbs": _contract_crumbs(contract, ("社工名册", reverse("staff_list", args=[contract.code])),
                                               ("导入到岗情况", None))}
    token = request.GET.get("token") or request.POST.get("token")
    batch = None
    if token:
        batch = import_batch_for(user=request.user, contract=contract, token=token, kind=ImportBatch.Kind.STAFF)
        if batch is None:
            raise Http404("导入批次不存在或已过期，请重新上传。")
        context["batch"] = batch
    if request.method == "POST" and batch is not None and batch.applied_at is None:
        try:
            saved = staff_import_apply(batch=batch, user=request.user)
        except AlreadyApplied as exc:
            messages.info(request, str(exc))
            return redirect("staff_list", code=contract.code)
        except (ConcurrentEdit, EntryError) as exc:
            messages.error(request, str(exc) + " 请重新上传文件。")
        else:
            # the preview's words and numbers (records planned but found equal at apply time count as unchanged)
            unchanged = batch.payload.get("unchanged", 0) + len(batch.payload.get("changes", [])) - saved
            messages.success(request, f"已导入：修改 {saved} 条月度记录，{unchanged} 条与现有相同。")
            return redirect("staff_list", code=contract.code)
    elif request.method == "POST" and batch is None:
        uploaded = request.FILES.get("file")
        try:
            parsed = parse_staff_upload(read_upload(uploaded), contract=contract)
        except UploadRejected as exc:
            context["upload_error"] = str(exc)
            return render(request, "stations/staff_import.html", context, status=400)
        if parsed.errors:
            context["errors"] = parsed.errors
            return render(request, "stations/staff_import.html", context, status=400)
        batch = import_batch_store(
            user=request.user, contract=contract, kind=ImportBatch.Kind.STAFF, file_name=uploaded.name,
            payload=parsed.payload(),
        )
        return redirect(f"{reverse('staff_import', args=[contract.code])}?token={batch.token}")
    return render(request, "stations/staff_import.html", context)

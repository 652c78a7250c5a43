"""Quarterly entry, submit/return and audit screens (issue 3 §3, §7, §8)."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from evalportal.edits import AlreadyApplied, ConcurrentEdit, EntryError
from evalportal.listing import parse_id, parse_number
from evalportal.periods import Quarter, contract_quarters
from evalportal.roles import contracts_editable_by, contracts_visible_to
from evalportal.security import get_visible_or_404
from evalportal.xlsx import XLSX_CONTENT_TYPE, UploadRejected, read_upload
from stations.imports import import_batch_for, import_batch_store
from stations.models import AuditEntry, Contract, ImportBatch

from .approval import quarter_approve
from .changes import CellChange
from .entry import EntryGrid, entry_grid
from .excel import completion_workbook, entry_template, parse_entry_upload
from .services import CellErrors, import_batch_apply, quarter_return, quarter_save
from .validation import InvalidValue, format_value, parse_value


def visible_contract(request, code: str) -> Contract:
    return get_visible_or_404(request.user, contracts_visible_to(request.user).select_related("station", "buyer"), code=code)


def contract_quarter(request, code: str, quarter_slug: str) -> tuple[Contract, Quarter]:
    contract = visible_contract(request, code)
    try:
        quarter = Quarter.parse(quarter_slug)
    except ValueError:
        raise Http404("季度不存在。") from None
    if quarter not in contract_quarters(contract.start_date, contract.end_date):
        raise Http404("该季度不在协议期内。")
    return contract, quarter


def _breadcrumbs(contract: Contract, quarter: Quarter, *extra) -> list:
    return [
        ("服务协议", reverse("contract_list")),
        (contract.station.name, reverse("contract_detail", args=[contract.code])),
        (quarter.label, reverse("quarter_entry", args=[contract.code, quarter.slug])),
        *extra,
    ]


def _read_posted_cells(grid: EntryGrid, data) -> tuple[list[CellChange], int]:
    """Fill the grid with what was posted; return the changed cells and the number of invalid ones."""
    changes: list[CellChange] = []
    invalid = 0
    for section, row, cell in grid.postable_cells():
        if cell.name not in data:
            continue
        cell.text = data.get(cell.name, "")
        value_type = row.indicator.value_type
        try:
            value = parse_value(cell.text, value_type)
        except InvalidValue as exc:
            cell.error = str(exc)
            invalid += 1
            continue
        try:
            original = parse_value(data.get(f"o-{cell.name}", ""), value_type)
        except InvalidValue:
            original = None
        try:
            cell.version = int(data.get(f"v-{cell.name}", cell.version))
        except ValueError:
            pass
        if value != original:
            changes.append(
                CellChange(
                    area_id=section.area.pk if section.area else None, indicator_id=row.indicator.pk,
                    month=cell.month, value=value, expected_version=cell.version,
                )
            )
        cell.original_text = format_value(original, value_type)
    return changes, invalid


@login_required
def quarter_entry(request, code: str, quarter: str):
    contract, quarter_obj = contract_quarter(request, code, quarter)
    grid = entry_grid(contract=contract, quarter=quarter_obj, user=request.user)
    status = 200
    if request.method == "POST":
        if not grid.can_edit:
            raise PermissionDenied("无权限修改本协议的数据。")
        changes, invalid = _read_posted_cells(grid, request.POST)
        submit = request.POST.get("action") == "submit"
        if invalid:
            messages.error(request, f"有 {invalid} 个单元格填写有误，未保存任何数据。请按单元格下方的提示修改。")
            status = 400
        else:
            try:
                posted_version = int(request.POST.get("quarter_version", grid.version))
            except ValueError:
                posted_version = grid.version
            try:
                result = quarter_save(
                    contract=contract, quarter=quarter_obj, changes=changes, user=request.user, submit=submit,
                    expected_version=posted_version,
                )
            except CellErrors as exc:
                for _, row, cell in grid.cells():
                    key = (row.area.pk if row.area else None, row.indicator.pk, cell.month)
                    if key in exc.errors:
                        cell.error = exc.errors[key]
                messages.error(request, str(exc))
                status = 400
            except ConcurrentEdit as exc:
                by_key = {c.key: c for c in exc.conflicts}
                for _, row, cell in grid.cells():
                    conflict = by_key.get((row.area.pk if row.area else None, row.indicator.pk, cell.month))
                    if conflict:
                        cell.conflict = (
                            f"{conflict.changed_by} 已改为 {conflict.current_value or '（空）'}"
                            + (f"（{timezone.localtime(conflict.changed_at):%m-%d %H:%M}）" if conflict.changed_at else "")
                        )
                        cell.version = conflict.current_version  # saving again overwrites knowingly
                        cell.original_text = conflict.current_value
                request_conflicts = exc.conflicts
                messages.error(request, str(exc))
                status = 409
                return render(
                    request, "indicators/quarter_entry.html",
                    _entry_context(contract, quarter_obj, grid, conflicts=request_conflicts), status=status,
                )
            except EntryError as exc:
                messages.error(request, str(exc))
                status = 400
            else:
                if submit:
                    messages.success(request, f"{quarter_obj.label}数据已提交（本次保存 {result.changed} 个单元格）。")
                else:
                    messages.success(request, f"已保存草稿：修改 {result.changed} 个单元格。")
                return redirect("quarter_entry", code=contract.code, quarter=quarter_obj.slug)
    return render(request, "indicators/quarter_entry.html", _entry_context(contract, quarter_obj, grid), status=status)


def _entry_context(contract, quarter, grid, conflicts=None) -> dict:
    return {
        "contract": contract,
        "quarter": quarter,
        "grid": grid,
        "conflicts": conflicts or [],
        "breadcrumbs": _breadcrumbs(contract, quarter),
    }


@login_required
@require_POST
def quarter_return_view(request, code: str, quarter: str):
    contract, quarter_obj = contract_quarter(request, code, quarter)
    try:
        quarter_return(contract=contract, quarter=quarter_obj, user=request.user, reason=request.POST.get("reason", ""))
    except EntryError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已退回{quarter_obj.label}数据，街道办将看到退回原因。")
    return redirect("quarter_entry", code=contract.code, quarter=quarter_obj.slug)


@login_required
@require_POST
def quarter_approve_view(request, code: str, quarter: str):
    """审核通过 of one submitted quarter by the district bureau (issue 10 §4); the bulk form is oversight's."""
    contract, quarter_obj = contract_quarter(request, code, quarter)
    try:
        expected = int(request.POST["quarter_version"]) if request.POST.get("quarter_version") else None
    except ValueError:
        expected = None
    try:
        quarter_approve(contract=contract, quarter=quarter_obj, user=request.user, expected_version=expected)
    except EntryError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{quarter_obj.label}数据已审核通过，将保持只读。")
    return redirect("quarter_entry", code=contract.code, quarter=quarter_obj.slug)


@login_required
def quarter_audit(request, code: str, quarter: str):
    """The change history of a quarter, or of one cell (?area=&indicator=&month=YYYY-MM)."""
    contract, quarter_obj = contract_quarter(request, code, quarter)
    entries = AuditEntry.objects.filter(contract=contract, quarter=quarter_obj.slug).select_related(
        "user", "service_area", "indicator"
    )
    cell_filter = {}
    try:
        area = request.GET.get("area")
        if area:
            area_id = parse_number(area)  # 0: the station-wide indicators (no 片区)
            if area_id is None:
                raise ValueError(area)
            entries = entries.filter(service_area__isnull=True) if area_id == 0 else entries.filter(service_area_id=area_id)
            cell_filter["area"] = area
        if request.GET.get("indicator"):
            indicator_id = parse_id(request.GET["indicator"])
            if indicator_id is None:
                raise ValueError(request.GET["indicator"])
            entries = entries.filter(indicator_id=indicator_id)
            cell_filter["indicator"] = request.GET["indicator"]
        if request.GET.get("month"):
            month = datetime.strptime(request.GET["month"], "%Y-%m").date()  # ValueError unless YYYY-MM
            entries = entries.filter(month__year=month.year, month__month=month.month)
            cell_filter["month"] = request.GET["month"]
    except ValueError:
        raise Http404("筛选条件错误。") from None
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "indicators/quarter_audit.html",
        {
            "contract": contract,
            "quarter": quarter_obj,
            "page": page,
            "cell_filter": cell_filter,
            "cell_label": page.object_list[0].label if cell_filter and page.object_list else "",
            "breadcrumbs": _breadcrumbs(contract, quarter_obj, ("修改记录", None)),
        },
    )


# --- Excel -------------------------------------------------------------------------------------------------------

def _xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
def quarter_template(request, code: str, quarter: str):
    contract, quarter_obj = contract_quarter(request, code, quarter)
    grid = entry_grid(contract=contract, quarter=quarter_obj, user=request.user)
    return _xlsx_response(entry_template(grid), f"{contract.code}-{quarter_obj.slug}-填报模板.xlsx")


@login_required
def quarter_import(request, code: str, quarter: str):
    """Upload a filled template: every cell is checked; a valid file goes to the preview, nothing is saved yet."""
    contract, quarter_obj = contract_quarter(request, code, quarter)
    if not contracts_editable_by(request.user).filter(pk=contract.pk).exists():
        raise PermissionDenied("无权限导入本协议的数据。")
    context = {
        "contract": contract, "quarter": quarter_obj, "errors": [], "upload_error": "",
        "breadcrumbs": _breadcrumbs(contract, quarter_obj, ("从 Excel 导入", None)),
    }
    if request.method == "POST":
        uploaded = request.FILES.get("file")
        try:
            parsed = parse_entry_upload(read_upload(uploaded), contract=contract, quarter=quarter_obj)
        except UploadRejected as exc:
            context["upload_error"] = str(exc)
            return render(request, "indicators/quarter_import.html", context, status=400)
        if parsed.errors:
            context["errors"] = parsed.errors
            return render(request, "indicators/quarter_import.html", context, status=400)
        batch = import_batch_store(
            user=request.user, contract=contract, kind=ImportBatch.Kind.ACTUALS, quarter=quarter_obj,
            file_name=uploaded.name, payload=parsed.payload(),
        )
        return redirect("import_preview", code=contract.code, token=batch.token)
    return render(request, "indicators/quarter_import.html", context)


def _user_batch(request, contract: Contract, token: str) -> ImportBatch:
    batch = import_batch_for(user=request.user, contract=contract, token=token, kind=ImportBatch.Kind.ACTUALS)
    if batch is None:
        raise Http404("导入批次不存在或已过期，请重新上传。")
    return batch


@login_required
def import_preview(request, code: str, token: str):
    """Preview of an uploaded file's changes; POST applies them through the same service as the browser."""
    contract = visible_contract(request, code)
    batch = _user_batch(request, contract, token)
    quarter_obj = Quarter.parse(batch.quarter)
    if request.method == "POST" and batch.applied_at is None:
        try:
            result = import_batch_apply(batch=batch, user=request.user)
        except AlreadyApplied as exc:
            messages.info(request, str(exc))
            return redirect("quarter_entry", code=contract.code, quarter=quarter_obj.slug)
        except ConcurrentEdit as exc:
            messages.error(request, str(exc).replace("您填写的内容仍保留在表格中，请核对对方的修改后再保存。", "")
                           + "请重新下载模板或重新上传文件。")
            for conflict in exc.conflicts:
                messages.warning(request, f"{conflict.label}：{conflict.changed_by} 已改为 "
                                          f"{conflict.current_value or '（空）'}，文件中为 {conflict.your_value}")
        except (EntryError, PermissionDenied) as exc:
            messages.error(request, str(exc))
        else:
            # the preview's words and numbers: cells found equal when the file was checked, plus any that someone
            # else set to the file's value since
            unchanged = batch.payload.get("unchanged", 0) + result.unchanged
            messages.success(request, f"已导入：修改 {result.changed} 个单元格，{unchanged} 个与现有数值相同。")
            return redirect("quarter_entry", code=contract.code, quarter=quarter_obj.slug)
    return render(
        request,
        "indicators/import_preview.html",
        {
            "contract": contract, "quarter": quarter_obj, "batch": batch, "payload": batch.payload,
            "breadcrumbs": _breadcrumbs(contract, quarter_obj, ("导入预览", None)),
        },
    )


@login_required
def indicator_export(request, code: str):
    """附件1 as xlsx at a cut-off (?until=YYYY-MM-DD, default today)."""
    from .selectors import indicator_completion_table

    contract = visible_contract(request, code)
    until = request.GET.get("until") or timezone.localdate().isoformat()
    try:
        cutoff = date.fromisoformat(until)
    except ValueError:
        messages.error(request, "统计截至日期格式应为 YYYY-MM-DD。")
        return redirect("contract_detail", code=contract.code)
    table = indicator_completion_table(contract, cutoff)
    return _xlsx_response(completion_workbook(table), f"{contract.code}-指标完成情况-{cutoff:%Y%m%d}.xlsx")

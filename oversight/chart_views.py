"""The chart pages (issue 10 §2): completion vs pace per station, quarterly trend, district comparison.

Same scope as the dashboard (oversight.views._dashboard_scope: the bureau its district, the city every district,
others refused); the chosen indicator, district and station live in the URL (a GET form, bookmarkable). Each page
has its table and an Excel export of that table in the users' layout (two-row merged header, printable).
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header

from evalportal.listing import BoundedModelChoiceField, paginate, querystring_without_page
from evalportal.roles import stations_visible_to
from evalportal.xlsx import XLSX_CONTENT_TYPE
from indicators.models import IndicatorDefinition

from . import chart_excel
from .charts import (
    PaceListing,
    district_chart_svg,
    district_comparison,
    indicator_trend,
    last_ended_quarter,
    pace_chart_svg,
    quarter_range,
    trend_chart_svg,
)
from .dashboard import EXPORT_LIMIT, export_limit_note
from .rollups import cutoff_for
from .views import _dashboard_scope, _district_ids

PACE_PAGE_SIZE = 50
TREND_QUARTERS = 8


class ChartForm(forms.Form):
    """The chart's choices (GET): an indicator of the catalogue, and for the trend a station of the scope."""

    indicator = forms.ModelChoiceField(IndicatorDefinition.objects.filter(active=True), to_field_name="code",
                                       label="指标", required=False, empty_label=None)
    # a select while the scope's stations are few (a district), else a text field for the station's name or code
    station = BoundedModelChoiceField(None, label="服务站", required=False, empty_label="全部服务站")

    def __init__(self, data, *, stations=None):
        super().__init__(data)
        if stations is None:
            del self.fields["station"]
        else:
            self.fields["station"].queryset = stations.order_by("name")
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"


def _choices(request, *, stations=None):
    form = ChartForm(request.GET, stations=stations)
    if not form.is_valid():
        raise Http404("没有该指标或服务站。")
    indicator = form.cleaned_data["indicator"] or IndicatorDefinition.objects.filter(active=True).first()
    if indicator is None:
        raise Http404("指标库为空。")
    return form, indicator, form.cleaned_data.get("station")


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def _context(request, today, districts, district, form, indicator, title):
    return {"today": today, "districts": districts, "district": district, "form": form, "indicator": indicator,
            "title": title, "querystring": querystring_without_page(request),
            "breadcrumbs": [("总览", reverse("dashboard")), (title, None)]}


# --- completion vs pace per station ------------------------------------------------------------------------------


@login_required
def chart_pace(request, export: bool = False):
    today, _running, districts, district = _dashboard_scope(request)
    form, indicator, _ = _choices(request)
    cutoff = cutoff_for(today)
    ordered = PaceListing(_district_ids(districts, district), indicator, cutoff)
    if export:
        total = len(ordered)
        rows = ordered[0:min(total, EXPORT_LIMIT)]
        more = export_limit_note("个服务站", "请选择区后分别导出") if total > EXPORT_LIMIT else ""
        return _xlsx(chart_excel.pace_workbook(rows, indicator, cutoff, district, more),
                     f"完成率与时间进度-{indicator.name}-{today:%Y%m%d}.xlsx")
    page = paginate(request, ordered, PACE_PAGE_SIZE)
    rows = page.object_list
    context = _context(request, today, districts, district, form, indicator, "各站完成率与时间进度")
    context.update(page=page, rows=rows, cutoff=cutoff, svg=pace_chart_svg(rows, indicator))
    return render(request, "oversight/chart_pace.html", context)


# --- quarterly trend ---------------------------------------------------------------------------------------------


@login_required
def chart_trend(request, export: bool = False):
    today, _running, districts, district = _dashboard_scope(request)
    stations = stations_visible_to(request.user).select_related("street__district")
    if district is not None:
        stations = stations.filter(street__district=district)
    form, indicator, station = _choices(request, stations=stations)
    if station is not None:
        scope = station.name
    elif district is not None:
        scope = district.name
    else:
        scope = districts[0].name if len(districts) == 1 else "全部区"
    cutoff = cutoff_for(today)
    rows = indicator_trend(indicator, quarter_range(last_ended_quarter(today), TREND_QUARTERS), cutoff,
                           districts=_district_ids(districts, district), station=station)
    if export:
        return _xlsx(chart_excel.trend_workbook(rows, indicator, scope, cutoff),
                     f"季度趋势-{scope}-{indicator.name}-{today:%Y%m%d}.xlsx")
    context = _context(request, today, districts, district, form, indicator, "指标季度趋势")
    context.update(rows=rows, scope=scope, cutoff=cutoff, svg=trend_chart_svg(rows, indicator, scope))
    return render(request, "oversight/chart_trend.html", context)


# --- district comparison -----------------------------------------------------------------------------------------


@login_required
def chart_districts(request, export: bool = False):
    today, _running, districts, district = _dashboard_scope(request)
    form, indicator, _ = _choices(request)
    cutoff = cutoff_for(today)
    rows = district_comparison(_district_ids(districts, district), indicator, cutoff, today.year)
    if export:
        return _xlsx(chart_excel.district_workbook(rows, indicator, cutoff, today.year),
                     f"各区对比-{indicator.name}-{today:%Y%m%d}.xlsx")
    context = _context(request, today, districts, district, form, indicator, "各区对比")
    context.update(rows=rows, cutoff=cutoff, svg=district_chart_svg(rows, indicator))
    return render(request, "oversight/chart_districts.html", context)

"""The browser's list filters on the API's lists (issue 12 §4), through django-filter's DRF backend.

The FilterSets are the browser's own (oversight.filters.ContractFilter, reports.filters.EvaluationFilter), so a
parameter means the same on a page and on the API: `district` and `street` are ids limited to what the caller may see
(a value outside answers 400, the same message as for an id that does not exist), `year`, `status`, `kind`, `grade`,
`overdue`, `q`. Two differences, both because the API pages with a cursor:
- no `sort`: a cursor needs one stable order (each list is ordered by its code);
- no default year: a parameter absent from the query means "all", as an explicit empty value does in the browser.
"""

from __future__ import annotations

import copy

import django_filters as filters
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field

from evalportal.listing import ScopedFilterSet, district_filter, search_filter, street_filter, year_filter
from evalportal.roles import stations_visible_to
from oversight.filters import ContractFilter
from reports.filters import EvaluationFilter
from reports.models import PerformanceEvaluation
from stations.models import Station, Street


class ScopedFilterBackend(DjangoFilterBackend):
    """Binds a ScopedFilterSet to the caller: district/street choices are only the stations the caller may see."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        kwargs.update(stations=stations_visible_to(request.user), today=timezone.localdate())
        return kwargs


def _year(filter_):
    """A copy of the browser's year filter, typed as an integer in the schema (its choices are filled per request)."""
    return extend_schema_field({"type": "integer", "description": "年度"})(copy.deepcopy(filter_))


class StationFilter(ScopedFilterSet):
    """社工服务站: the browser lists stations through their contracts; the same district/street/search filters."""

    district = district_filter("street__district")
    street = street_filter("street")
    q = search_filter("name", "code", help_text="服务站名称或代码")

    class Meta:
        model = Station
        fields: list[str] = []


class StreetFilter(ScopedFilterSet):
    district = district_filter("district")
    q = search_filter("name", "code", help_text="街道/镇名称或代码")

    class Meta:
        model = Street
        fields: list[str] = []


class ApiContractFilter(ContractFilter):
    sort = None
    year = _year(ContractFilter.base_filters["year"])


class ApiEvaluationFilter(EvaluationFilter):
    sort = None
    year = _year(EvaluationFilter.base_filters["year"])


class PerformanceReportFilter(ScopedFilterSet):
    """绩效评价报告: the browser's report page filters them by year (the evaluation filters' `year`); the API adds the
    district of the 实施单位, the state and a search, all within what the caller may see."""

    district = district_filter("department__street__district")
    year = _year(year_filter("year"))
    status = filters.ChoiceFilter(field_name="status", label="状态", choices=PerformanceEvaluation.Status.choices,
                                  empty_label="全部状态")
    q = search_filter("title", "code", "department__name", help_text="报告标题、代码或实施单位")

    class Meta:
        model = PerformanceEvaluation
        fields: list[str] = []

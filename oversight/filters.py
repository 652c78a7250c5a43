"""Filters for every oversight list (issue 10 §3), with django-filter: the query string is the bookmark.

Each FilterSet is built for one user: its district/street/station choices are only those the user may see, so a
filter can never reach outside the role's querysets (evalportal.roles). `bound_filter` applies the defaults (the
current year, and for the review list "已提交") only when the parameter is absent from the URL: an explicit empty
value (“全部”) stays empty, so "all years" can be bookmarked too.
"""

from __future__ import annotations

from datetime import date

import django_filters as filters
from django.db.models import Q, QuerySet
from django.http import QueryDict

from indicators.models import QuarterSubmission
from stations.models import District, Station, Street

QUARTER_CHOICES = [(1, "第一季度"), (2, "第二季度"), (3, "第三季度"), (4, "第四季度")]


def year_choices(today: date, first: int = 2020) -> list[tuple[int, str]]:
    return [(y, f"{y}年") for y in range(today.year + 1, first - 1, -1)]


def bound_filter(filterset_class, request, queryset: QuerySet, *, defaults: dict[str, str], **kwargs):
    """A FilterSet bound to the request's GET with `defaults` for parameters that are not in the URL at all."""
    data: QueryDict = request.GET.copy()
    for key, value in defaults.items():
        if key not in data:
            data[key] = value
    return filterset_class(data, queryset=queryset, request=request, **kwargs)


def querystring_without_page(request) -> str:
    """The current filters, for pagination links and the bookmark (the page number is not part of a bookmark)."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


class SortFilter(filters.ChoiceFilter):
    """?sort=key: one of a fixed set of orders, each a complete order_by (ties broken by pk, so pages are stable).

    The first order is the default when the parameter is absent or empty."""

    def __init__(self, *, orders: dict[str, tuple[str, tuple[str, ...]]], **kwargs):
        self.orders = orders
        kwargs.setdefault("label", "排序")
        super().__init__(choices=[(key, label) for key, (label, _) in orders.items()], empty_label=None, **kwargs)

    def filter(self, qs, value):  # applied also when empty: the default order
        _, order = self.orders.get(value) or next(iter(self.orders.values()))
        return qs.order_by(*order, "pk")


class ScopedFilterSet(filters.FilterSet):
    """Base: district/street/station choices limited to `stations` (the stations the user may see)."""

    district_path = "station__street__district"
    street_path = "station__street"
    station_path = "station"

    def __init__(self, data=None, queryset=None, *, request=None, stations: QuerySet | None = None, today: date,
                 **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        stations = stations if stations is not None else Station.objects.none()
        station_ids = stations.values("pk")
        if "district" in self.filters:
            self.filters["district"].queryset = District.objects.filter(streets__station__in=station_ids).distinct()
        if "street" in self.filters:
            self.filters["street"].queryset = Street.objects.filter(station__in=station_ids).select_related("district")
        if "year" in self.filters:
            self.filters["year"].extra["choices"] = year_choices(today)
        for field in self.form.fields.values():
            is_select = hasattr(field.widget, "choices")
            field.widget.attrs["class"] = "form-select form-select-sm" if is_select else "form-control form-control-sm"


class SubmissionFilter(ScopedFilterSet):
    """季度填报 list: the bureau's review queue (default: submitted quarters of the current year)."""

    district = filters.ModelChoiceFilter(field_name="contract__station__street__district", label="区",
                                         queryset=District.objects.none(), empty_label="全部区")
    street = filters.ModelChoiceFilter(field_name="contract__station__street", label="街道",
                                       queryset=Street.objects.none(), empty_label="全部街道")
    year = filters.ChoiceFilter(field_name="year", label="年度", empty_label="全部年度",
                                     choices=[])
    quarter = filters.ChoiceFilter(field_name="quarter", label="季度", choices=QUARTER_CHOICES,
                                        empty_label="全部季度")
    status = filters.ChoiceFilter(field_name="status", label="状态", choices=QuarterSubmission.Status.choices,
                                  empty_label="全部状态")
    q = filters.CharFilter(method="search", label="搜索", help_text="服务站名称或协议编号")
    sort = SortFilter(orders={
        "submitted": ("先提交的在前", ("submitted_at",)),
        "-submitted": ("后提交的在前", ("-submitted_at",)),
        "quarter": ("按季度", ("-year", "-quarter", "contract__code")),
        "station": ("按服务站", ("contract__station__name", "-year", "-quarter")),
    })

    class Meta:
        model = QuarterSubmission
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(contract__station__name__icontains=value) | Q(contract__code__icontains=value))

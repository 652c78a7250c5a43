"""Filters of the oversight lists (issue 10 §3); the shared machinery is evalportal.listing."""

from __future__ import annotations

import django_filters as filters

from evalportal.listing import (
    QUARTER_CHOICES,
    ScopedFilterSet,
    SortFilter,
    district_filter,
    search_filter,
    street_filter,
    year_filter,
)
from stations.models import Contract, QuarterSubmission


class SubmissionFilter(ScopedFilterSet):
    """季度填报 list: the bureau's review queue (default: submitted quarters of the current year)."""

    district = district_filter("contract__station__street__district")
    street = street_filter("contract__station__street")
    year = year_filter()
    quarter = filters.ChoiceFilter(field_name="quarter", label="季度", choices=QUARTER_CHOICES, empty_label="全部季度")
    status = filters.ChoiceFilter(field_name="status", label="状态", choices=QuarterSubmission.Status.choices,
                                  empty_label="全部状态")
    q = search_filter("contract__station__name", "contract__code", help_text="服务站名称或协议编号")
    sort = SortFilter(orders={
        "submitted": ("先提交的在前", ("submitted_at",)),
        "-submitted": ("后提交的在前", ("-submitted_at",)),
        "quarter": ("按季度", ("-year", "-quarter", "contract__code")),
        "station": ("按服务站", ("contract__station__name", "-year", "-quarter")),
    })

    class Meta:
        model = QuarterSubmission
        fields: list[str] = []


class ContractFilter(ScopedFilterSet):
    """服务站/服务协议 list: contracts running in the chosen year (default: the current year)."""

    district = district_filter("station__street__district")
    street = street_filter("station__street")
    year = year_filter(method="running_in")
    q = search_filter("station__name", "code", "title", help_text="服务站名称、协议编号或项目名称")
    sort = SortFilter(orders={
        "station": ("按服务站", ("station__name",)),
        "district": ("按区、街道", ("station__street__district__code", "station__street__code")),
        "-start": ("服务期开始（新到旧）", ("-start_date",)),
        "code": ("按协议编号", ("code",)),
    })

    class Meta:
        model = Contract
        fields: list[str] = []

    def running_in(self, queryset, name, value):
        if not value:
            return queryset
        year = int(value)
        return queryset.filter(start_date__year__lte=year, end_date__year__gte=year)

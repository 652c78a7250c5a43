"""Filters of the survey list (every list is filtered: district, year, state, search, order; the URL holds them)."""

from __future__ import annotations

import django_filters as filters

from evalportal.listing import ScopedFilterSet, SortFilter, district_filter, search_filter, year_filter

from .models import Survey


class SurveyFilter(ScopedFilterSet):
    """满意度调查 list: the surveys created in the chosen year (default: the current year), newest first."""

    district = district_filter("contract__station__street__district")
    # created_at__year: Django bounds the year in the current time zone (Beijing) as a range on the index
    year = year_filter("created_at__year")
    status = filters.ChoiceFilter(field_name="status", label="状态", choices=Survey.Status.choices,
                                  empty_label="全部状态")
    q = search_filter("title", "contract__station__name", "contract__code",
                      help_text="调查名称、服务站名称或协议编号")
    sort = SortFilter(orders={
        "-created": ("创建时间（新到旧）", ("-created_at",)),
        "created": ("创建时间（旧到新）", ("created_at",)),
        "station": ("按服务站", ("contract__station__name", "-created_at")),
    })

    class Meta:
        model = Survey
        fields: list[str] = []

"""Filters of the survey list (every list is filtered: district, year, state, search, order; the URL holds them)."""

from __future__ import annotations

from datetime import datetime, time

import django_filters as filters
from django.utils import timezone

from evalportal.listing import ScopedFilterSet, SortFilter, district_filter, search_filter, year_filter

from .models import Survey


class SurveyFilter(ScopedFilterSet):
    """满意度调查 list: the surveys created in the chosen year (default: the current year), newest first."""

    district = district_filter("contract__station__street__district")
    year = year_filter(method="created_in")
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

    def created_in(self, queryset, name, value):
        """Created in the calendar year, Beijing time: a range on created_at (its index), not a year extracted."""
        if not value:
            return queryset
        year = int(value)
        start, end = (timezone.make_aware(datetime.combine(datetime(y, 1, 1), time.min)) for y in (year, year + 1))
        return queryset.filter(created_at__gte=start, created_at__lt=end)

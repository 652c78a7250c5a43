"""Filters of the evaluation overview (issue 10 §3), with the shared list machinery of evalportal.listing."""

from __future__ import annotations

import django_filters as filters

from evalportal.listing import ScopedFilterSet, SortFilter, district_filter, search_filter, street_filter, year_filter

from .models import Evaluation, Grade


class EvaluationFilter(ScopedFilterSet):
    """四方评估总览: evaluations of the chosen year (default: the current year), by state, grade, kind."""

    district = district_filter("contract__station__street__district")
    street = street_filter("contract__station__street")
    year = year_filter("date__year")
    kind = filters.ChoiceFilter(field_name="kind", label="评估类型", choices=Evaluation.Kind.choices,
                                empty_label="全部类型")
    status = filters.ChoiceFilter(field_name="status", label="状态", choices=Evaluation.Status.choices,
                                  empty_label="全部状态")
    grade = filters.ChoiceFilter(field_name="grade", label="等级", choices=Grade.choices, empty_label="全部等级")
    overdue = filters.BooleanFilter(method="past_date", label="已过评估日期未定稿",
                                    widget=filters.widgets.BooleanWidget())
    q = search_filter("contract__station__name", "code", help_text="服务站名称或评估代码")
    sort = SortFilter(orders={
        "-date": ("评估日期（新到旧）", ("-date", "code")),
        "date": ("评估日期（旧到新）", ("date", "code")),
        "station": ("按服务站", ("contract__station__name", "-date")),
        "-total": ("总分（高到低）", ("-total_score", "-date")),
    })

    class Meta:
        model = Evaluation
        fields: list[str] = []

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, today=today, **kwargs)
        self.today = today

    def past_date(self, queryset, name, value):
        if value:
            return queryset.filter(status=Evaluation.Status.DRAFT, date__lte=self.today)
        return queryset

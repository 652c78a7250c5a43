"""Filters of a contract's lists (issue 10 §3): staff register, activity ledger, 修改记录. django-filter, GET only, so
the filters live in the URL (bookmarkable); the shared machinery (sorting, search, defaults) is evalportal.listing.

Each list belongs to one contract, already checked against the user's scope: the 片区 and 服务项目 choices are that
contract's. "年度" defaults to the current year (for a contract that does not run in it, its nearest year, so that
the list never opens empty by default); an explicit empty value ("全部年度") is kept.
"""

from __future__ import annotations

from datetime import date

import django_filters as filters
from django.db.models import Q

from evalportal.listing import QUARTER_CHOICES, SortFilter, search_filter, year_choices

from .models import ActivityEntry, AuditEntry, Contract, ServiceArea, ServiceProject, StaffMember


def default_year(contract: Contract, today: date) -> str:
    return str(min(max(today.year, contract.start_date.year), contract.end_date.year))


class ContractListFilterSet(filters.FilterSet):
    """Base: choices limited to `contract`; years of the contract (or up to this year for the audit list)."""

    contract_years = True

    def __init__(self, data=None, queryset=None, *, request=None, contract: Contract, today: date, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        if "area" in self.filters:
            self.filters["area"].queryset = ServiceArea.objects.filter(contract=contract)
        if "project" in self.filters:
            self.filters["project"].queryset = ServiceProject.objects.filter(contract=contract)
        if "year" in self.filters:
            years = range(contract.end_date.year, contract.start_date.year - 1, -1)
            self.filters["year"].extra["choices"] = (
                [(y, f"{y}年") for y in years] if self.contract_years else year_choices(today)
            )
        for field in self.form.fields.values():
            select = hasattr(field.widget, "choices")
            field.widget.attrs["class"] = "form-select form-select-sm" if select else "form-control form-control-sm"


def _year(**kwargs):
    return filters.ChoiceFilter(label="年度", empty_label="全部年度", choices=[], **kwargs)


class StaffFilter(ContractListFilterSet):
    """社工名册: on post in the year (joined before its end, not left before its start), 片区, 资质, 职位, 在岗/离岗."""

    year = _year(method="on_post_in")
    area = filters.ModelChoiceFilter(field_name="service_area", label="片区", queryset=ServiceArea.objects.none(),
                                     empty_label="全部片区")
    certificate = filters.ChoiceFilter(field_name="certificate", label="资质", choices=StaffMember.Certificate.choices,
                                       empty_label="全部资质")
    position = filters.ChoiceFilter(field_name="position", label="职位", choices=StaffMember.Position.choices,
                                    empty_label="全部职位")
    status = filters.ChoiceFilter(label="状态", choices=[("on", "在岗"), ("left", "已离岗")], empty_label="全部",
                                  method="by_status")
    q = search_filter("name", "position_title", "note", help_text="姓名、职位名称或备注")
    sort = SortFilter(orders={
        "order": ("按序号", ("order",)),
        "name": ("按姓名", ("name",)),
        "-joined": ("到岗日期（新到旧）", ("-joined_on",)),
        "area": ("按片区", ("service_area__order", "order")),
    })

    class Meta:
        model = StaffMember
        fields: list[str] = []

    def on_post_in(self, queryset, name, value):
        if not value:
            return queryset
        year = int(value)
        return queryset.filter(Q(joined_on__isnull=True) | Q(joined_on__year__lte=year),
                               Q(left_on__isnull=True) | Q(left_on__year__gte=year))

    def by_status(self, queryset, name, value):
        if value == "on":
            return queryset.filter(left_on__isnull=True)
        if value == "left":
            return queryset.filter(left_on__isnull=False)
        return queryset


class ActivityFilter(ContractListFilterSet):
    """活动台账: year and quarter of the activity's date, 活动性质, 服务项目, 片区, search by name or partner."""

    year = _year(field_name="date__year")
    quarter = filters.ChoiceFilter(field_name="date__quarter", label="季度", choices=QUARTER_CHOICES,
                                   empty_label="全部季度")
    nature = filters.ChoiceFilter(field_name="nature", label="活动性质", choices=ActivityEntry.Nature.choices,
                                  empty_label="全部性质")
    project = filters.ModelChoiceFilter(field_name="service_project", label="服务项目",
                                        queryset=ServiceProject.objects.none(), empty_label="全部项目")
    area = filters.ModelChoiceFilter(field_name="service_area", label="片区", queryset=ServiceArea.objects.none(),
                                     empty_label="全部片区")
    q = search_filter("name", "partners", help_text="活动名称或资源联动主体")
    sort = SortFilter(orders={
        "-date": ("日期（新到旧）", ("-date",)),
        "date": ("日期（旧到新）", ("date",)),
        "-participants": ("服务人次（多到少）", ("-participants", "-date")),
        "name": ("按活动名称", ("name", "-date")),
    })

    class Meta:
        model = ActivityEntry
        fields: list[str] = []


class AuditFilter(ContractListFilterSet):
    """修改记录: year of the change, 操作, 对象类型, search in the description, values and reason."""

    contract_years = False
    year = _year(field_name="at__year")
    action = filters.ChoiceFilter(field_name="action", label="操作", choices=AuditEntry.Action.choices,
                                  empty_label="全部操作")
    subject = filters.ChoiceFilter(field_name="subject", label="对象类型", choices=AuditEntry.Subject.choices,
                                   empty_label="全部类型")
    q = search_filter("label", "old_value", "new_value", "reason", help_text="对象、原值、新值或原因")
    sort = SortFilter(orders={
        "-at": ("时间（新到旧）", ("-at",)),
        "at": ("时间（旧到新）", ("at",)),
    })

    class Meta:
        model = AuditEntry
        fields: list[str] = []

"""Admin for the indicator catalogue, targets (协议量) and monthly actuals (完成量)."""

from django.contrib import admin

from evalportal.admin_helpers import ModelAdmin
from evalportal.periods import Quarter
from stations.models import AuditEntry

from .models import IndicatorDefinition, MonthlyActual, Target
from .validation import format_value


@admin.register(IndicatorDefinition)
class IndicatorDefinitionAdmin(ModelAdmin):
    list_display = ["order", "code", "name", "group", "short_name", "unit", "value_type", "accumulation", "scope",
                    "active"]
    list_display_links = ["code", "name"]
    list_filter = ["scope", "accumulation", "value_type", "unit", "active"]
    search_fields = ["code", "name", "group", "short_name"]
    list_editable = ["active"]


class AuditedValueAdmin(ModelAdmin):
    """Corrections of targets and actuals made in the admin are kept in the audit trail like the portal's (issue 3 §8)."""

    subject = ""

    def _entry(self, request, obj, action, old, new):
        month = getattr(obj, "month", None)
        area = obj.service_area.name if obj.service_area_id else "全站"
        label = f"{area} · {obj.indicator.name}" + (f" · {month.year}年{month.month}月" if month else " · 协议量")
        AuditEntry.objects.create(
            user=request.user, action=action, subject=self.subject, object_id=obj.pk, contract=obj.contract,
            quarter=Quarter.of(month).slug if month else "", service_area=obj.service_area, indicator=obj.indicator,
            month=month, label=label, field="value", old_value=old, new_value=new, source="后台",
        )

    def save_model(self, request, obj, form, change):
        old = ""
        if change:
            previous = type(obj).objects.filter(pk=obj.pk).values_list("value", flat=True).first()
            old = format_value(previous, obj.indicator.value_type)
        super().save_model(request, obj, form, change)
        new = format_value(obj.value, obj.indicator.value_type)
        if old != new:
            self._entry(request, obj, AuditEntry.Action.UPDATE if change else AuditEntry.Action.CREATE, old, new)

    def delete_model(self, request, obj):
        self._entry(request, obj, AuditEntry.Action.DELETE, format_value(obj.value, obj.indicator.value_type), "")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("contract", "service_area", "indicator"):
            self.delete_model(request, obj)


@admin.register(Target)
class TargetAdmin(AuditedValueAdmin):
    subject = "target"
    list_display = ["contract", "service_area", "indicator", "value", "version"]
    list_filter = ["indicator__scope", "contract__station", "indicator"]
    search_fields = ["indicator__name", "indicator__code", "contract__code", "contract__station__name"]
    list_select_related = ["contract__station", "service_area", "indicator"]
    autocomplete_fields = ["contract", "service_area", "indicator"]


@admin.register(MonthlyActual)
class MonthlyActualAdmin(AuditedValueAdmin):
    subject = "actual"
    list_display = ["month", "contract", "service_area", "indicator", "value", "version", "updated_by", "updated_at"]
    list_filter = ["month", "indicator__scope", "contract__station", "indicator"]
    search_fields = ["indicator__name", "indicator__code", "contract__code", "contract__station__name"]
    list_select_related = ["contract__station", "service_area", "indicator", "updated_by"]
    autocomplete_fields = ["contract", "service_area", "indicator"]
    date_hierarchy = "month"

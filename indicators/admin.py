"""Admin for the indicator catalogue, targets (协议量) and monthly actuals (完成量)."""

from django.contrib import admin

from evalportal.admin_helpers import ModelAdmin

from .models import IndicatorDefinition, MonthlyActual, Target


@admin.register(IndicatorDefinition)
class IndicatorDefinitionAdmin(ModelAdmin):
    list_display = ["order", "code", "name", "group", "short_name", "unit", "value_type", "accumulation", "scope",
                    "active"]
    list_display_links = ["code", "name"]
    list_filter = ["scope", "accumulation", "value_type", "unit", "active"]
    search_fields = ["code", "name", "group", "short_name"]
    list_editable = ["active"]


@admin.register(Target)
class TargetAdmin(ModelAdmin):
    list_display = ["contract", "service_area", "indicator", "value", "version"]
    list_filter = ["indicator__scope", "contract__station", "indicator"]
    search_fields = ["indicator__name", "indicator__code", "contract__code", "contract__station__name"]
    list_select_related = ["contract__station", "service_area", "indicator"]
    autocomplete_fields = ["contract", "service_area", "indicator"]


@admin.register(MonthlyActual)
class MonthlyActualAdmin(ModelAdmin):
    list_display = ["month", "contract", "service_area", "indicator", "value", "version", "updated_by", "updated_at"]
    list_filter = ["month", "indicator__scope", "contract__station", "indicator"]
    search_fields = ["indicator__name", "indicator__code", "contract__code", "contract__station__name"]
    list_select_related = ["contract__station", "service_area", "indicator", "updated_by"]
    autocomplete_fields = ["contract", "service_area", "indicator"]
    date_hierarchy = "month"

"""Admin for the indicator catalogue, targets (协议量) and monthly actuals (完成量)."""

from django.contrib import admin

from evalportal.admin_helpers import ModelAdmin

from .models import AuditEntry, ImportBatch, IndicatorDefinition, MonthlyActual, QuarterSubmission, Target


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


@admin.register(QuarterSubmission)
class QuarterSubmissionAdmin(ModelAdmin):
    """Status changes belong in the portal (submit/return through indicators.services, audited); here read-only."""

    list_display = ["contract", "year", "quarter", "status", "submitted_at", "returned_at", "version"]
    list_filter = ["status", "year", "quarter"]
    list_select_related = ["contract__station"]
    search_fields = ["contract__code", "contract__station__name"]
    readonly_fields = ["contract", "year", "quarter", "status", "submitted_at", "submitted_by", "returned_at",
                       "returned_by", "return_reason", "version", "updated_at"]

    def has_add_permission(self, request):
        return False


class ReadOnlyAdmin(ModelAdmin):
    """The audit trail and parsed uploads are records: viewable, never edited or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "action", "subject", "contract", "quarter", "label", "old_value", "new_value",
                    "reason", "source"]
    list_filter = ["action", "subject", "source"]
    list_select_related = ["user", "contract__station"]
    search_fields = ["label", "contract__code", "reason"]
    date_hierarchy = "at"


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "contract", "kind", "quarter", "file_name", "applied_at"]
    list_filter = ["kind"]
    list_select_related = ["user", "contract__station"]
    exclude = ["payload", "token"]

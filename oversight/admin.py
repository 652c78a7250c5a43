from django.contrib import admin

from evalportal.admin_helpers import ModelAdmin, ReadOnlyAdmin

from .models import (
    ContractGrade,
    ContractMonthFigure,
    ContractSpan,
    DistrictGrade,
    DistrictMonthContracts,
    DistrictMonthFigure,
    DistrictTarget,
    RollupDirty,
    WarningSettings,
)


@admin.register(WarningSettings)
class WarningSettingsAdmin(ModelAdmin):
    """One row of thresholds: it can be changed, not added twice or deleted; each change is recorded old → new
    (evalportal.audit), as every other admin change."""

    list_display = ["__str__", "behind_margin", "behind_indicators", "overdue_days", "returned_times",
                    "staff_shortfall", "retention_min", "evaluation_grace_days", "updated_at"]

    def has_add_permission(self, request):
        return not WarningSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class SummaryAdmin(ReadOnlyAdmin):
    """The summary tables are derived (oversight.summary): viewable for checking, never edited — `manage.py
    rebuild_summary` recomputes them. Plain columns (no per-row lookups); filtered by indicator and month."""

    list_per_page = 50
    show_full_result_count = False
    ordering = ["-pk"]


@admin.register(ContractMonthFigure)
class ContractMonthFigureAdmin(SummaryAdmin):
    list_display = ["contract_id", "indicator_id", "month", "cumulative", "quarter_value", "target", "elapsed",
                    "total", "gap"]
    list_filter = ["month"]


@admin.register(DistrictMonthFigure)
class DistrictMonthFigureAdmin(SummaryAdmin):
    list_display = ["district_id", "indicator_id", "first_month", "last_month", "month", "cumulative",
                    "quarter_value", "contracts"]
    list_filter = ["month"]


@admin.register(DistrictTarget)
class DistrictTargetAdmin(SummaryAdmin):
    list_display = ["district_id", "indicator_id", "first_month", "last_month", "total", "target", "contracts"]


@admin.register(ContractGrade)
class ContractGradeAdmin(SummaryAdmin):
    list_display = ["contract_id", "district_id", "year", "grade", "evaluations", "total_score"]
    list_filter = ["year"]


@admin.register(DistrictGrade)
class DistrictGradeAdmin(SummaryAdmin):
    list_display = ["district_id", "year", "grade", "evaluations", "total_score"]
    list_filter = ["year"]


@admin.register(ContractSpan)
class ContractSpanAdmin(SummaryAdmin):
    list_display = ["contract_id", "station_id", "district_id", "first_month", "last_month"]


@admin.register(DistrictMonthContracts)
class DistrictMonthContractsAdmin(SummaryAdmin):
    list_display = ["district_id", "month", "contracts", "stations"]
    list_filter = ["month"]


@admin.register(RollupDirty)
class RollupDirtyAdmin(SummaryAdmin):
    list_display = ["contract_id", "marks"]

from django.contrib import admin

from .models import WarningSettings


@admin.register(WarningSettings)
class WarningSettingsAdmin(admin.ModelAdmin):
    """One row of thresholds: it can be changed, not added twice or deleted."""

    list_display = ["__str__", "behind_margin", "behind_indicators", "overdue_days", "returned_times",
                    "staff_shortfall", "retention_min", "evaluation_grace_days", "updated_at"]

    def has_add_permission(self, request):
        return not WarningSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

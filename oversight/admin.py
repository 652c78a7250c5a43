from django.contrib import admin

from evalportal.admin_helpers import ModelAdmin

from .models import WarningSettings


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

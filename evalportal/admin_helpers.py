"""Shared behaviour for the apps' ModelAdmins (stations, indicators, reports).

Rows edited in the portal carry an optimistic-lock `version` and an `updated_by`; a correction made in the
admin must bump the version too, or a browser form opened before it would silently overwrite it.
"""

from __future__ import annotations

from django.contrib import admin


def _stamp(obj, request, *, change: bool) -> None:
    if change and hasattr(obj, "version") and obj.pk:
        obj.version += 1
    if hasattr(obj, "updated_by_id"):
        obj.updated_by = request.user
    if not change and hasattr(obj, "created_by_id") and obj.created_by_id is None:
        obj.created_by = request.user


class VersionedAdminMixin:
    """For a ModelAdmin whose model (or whose inlines' models) have `version` / `updated_by`."""

    def save_model(self, request, obj, form, change):
        _stamp(obj, request, change=change)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for obj in instances:
            _stamp(obj, request, change=obj.pk is not None)
            obj.save()
        formset.save_m2m()


class ReadOnlyAuditFieldsMixin:
    """Shows version/updated_by/updated_at/created_* read-only wherever the model has them."""

    audit_fields = ("version", "updated_by", "updated_at", "created_by", "created_at", "assigned_at")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        model_fields = {f.name for f in self.model._meta.get_fields()}
        fields += [name for name in self.audit_fields if name in model_fields and name not in fields]
        return fields


class ModelAdmin(ReadOnlyAuditFieldsMixin, VersionedAdminMixin, admin.ModelAdmin):
    list_per_page = 50


class TabularInline(ReadOnlyAuditFieldsMixin, admin.TabularInline):
    extra = 0
    show_change_link = True


class StackedInline(ReadOnlyAuditFieldsMixin, admin.StackedInline):
    extra = 0
    show_change_link = True


class ReadOnlyAdmin(ModelAdmin):
    """The audit trail and parsed uploads are records: viewable, never edited or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

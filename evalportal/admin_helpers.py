"""Shared behaviour for the apps' ModelAdmins (stations, indicators, reports).

Rows edited in the portal carry an optimistic-lock `version` and an `updated_by`; a correction made in the
admin must bump the version too, or a browser form opened before it would silently overwrite it.

Every admin form, inline and delete follows the same two rules as the portal (issue 9): data behind a submitted
quarter or a finalised evaluation is refused with the lock's message (evalportal.locks), and every create, change
and delete leaves old → new records (evalportal.audit), marked 后台.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse

from . import audit
from .locks import DataLocked, change_lock_reason

SOURCE = "后台"


def lock_checked_form(form_class):
    """The admin form refuses a change that evalportal.locks refuses, as a form error naming the lock."""

    class LockCheckedForm(form_class):
        def _post_clean(self):
            stored = audit.stored(self.instance)
            super()._post_clean()
            if stored is not None and not self.has_changed():
                return  # an unchanged row (an inline beside the one being edited) changes nothing
            reason = change_lock_reason(stored, self.instance)
            if reason:
                self.add_error(None, reason)

    LockCheckedForm.__name__ = form_class.__name__
    return LockCheckedForm


def lock_checked_formset(formset_class):
    """An inline formset also refuses deleting a locked row."""

    class LockCheckedFormSet(formset_class):
        def clean(self):
            super().clean()
            for form in self.forms:
                if self.can_delete and self._should_delete_form(form) and form.instance.pk:
                    reason = change_lock_reason(audit.stored(form.instance), None)
                    if reason:
                        raise ValidationError(reason)

    return LockCheckedFormSet


def audit_save(request, obj, save) -> None:
    """Save a row (`save()`) and record its old → new (created when it had no primary key)."""
    old = audit.stored(obj)
    before = audit.snapshot(old)
    save()
    audit.record(user=request.user, action="update" if old is not None else "create", obj=obj, before=before,
                 after=audit.snapshot(obj), source=SOURCE)


def audit_delete(request, obj) -> None:
    """Record what a row was, then delete it; a locked row is refused (DataLocked)."""
    reason = change_lock_reason(audit.stored(obj), None)
    if reason:
        raise DataLocked(reason)
    audit.record(user=request.user, action="delete", obj=obj, before=audit.snapshot(audit.stored(obj) or obj),
                 after={}, source=SOURCE)
    obj.delete()


class AuditedLockedAdminMixin:
    """Lock checks and old → new records for a ModelAdmin's own form, its inlines, deletes and bulk deletes."""

    def get_form(self, request, obj=None, **kwargs):
        return lock_checked_form(super().get_form(request, obj, **kwargs))

    def save_model(self, request, obj, form, change):
        audit_save(request, obj, lambda: super(AuditedLockedAdminMixin, self).save_model(request, obj, form, change))

    def delete_model(self, request, obj):
        audit_delete(request, obj)

    def delete_queryset(self, request, queryset):
        objs = list(queryset)
        locked = [r for r in (change_lock_reason(o, None) for o in objs) if r]
        if locked:
            raise DataLocked(locked[0])
        for obj in objs:
            audit_delete(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, admin.utils.unquote(object_id))
        reason = change_lock_reason(obj, None) if obj is not None else ""
        if reason:
            messages.error(request, reason)
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            func, name, description = actions["delete_selected"]

            def delete_selected(modeladmin, request, queryset):
                reasons = [r for r in (change_lock_reason(o, None) for o in queryset) if r]
                if reasons:
                    modeladmin.message_user(request, f"未删除任何记录：{reasons[0]}", messages.ERROR)
                    return None
                return func(modeladmin, request, queryset)

            actions["delete_selected"] = (delete_selected, name, description)
        return actions


def _stamp(obj, request, *, change: bool) -> None:
    if change and hasattr(obj, "version") and obj.pk:
        obj.version += 1
    if hasattr(obj, "updated_by_id"):
        obj.updated_by = request.user
    if not change and hasattr(obj, "created_by_id") and obj.created_by_id is None:
        obj.created_by = request.user


class VersionedAdminMixin:
    """For a ModelAdmin whose model (or whose inlines' models) have `version` / `updated_by`; inline rows are
    audited (old → new) like the main row."""

    def save_model(self, request, obj, form, change):
        _stamp(obj, request, change=change)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            audit_delete(request, obj)
        for obj in instances:
            _stamp(obj, request, change=obj.pk is not None)
            audit_save(request, obj, obj.save)
        formset.save_m2m()


class ReadOnlyAuditFieldsMixin:
    """Shows version/updated_by/updated_at/created_* read-only wherever the model has them."""

    audit_fields = ("version", "updated_by", "updated_at", "created_by", "created_at", "assigned_at")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        model_fields = {f.name for f in self.model._meta.get_fields()}
        fields += [name for name in self.audit_fields if name in model_fields and name not in fields]
        return fields


class LockCheckedInlineMixin:
    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = lock_checked_form(kwargs.get("form", self.form))
        kwargs["formset"] = lock_checked_formset(kwargs.get("formset", self.formset))
        return super().get_formset(request, obj, **kwargs)


class ModelAdmin(ReadOnlyAuditFieldsMixin, AuditedLockedAdminMixin, VersionedAdminMixin, admin.ModelAdmin):
    list_per_page = 50


def row_labelled_formset(formset_class):
    """A tabular inline's fields have no <label>, only a column header (axe-core `label`, issue 15): each field is
    named after its column and its row, 名称（第 2 行）, the template row 名称（新增行）. A field with help text
    would point aria-describedby at a "…_helptext" element the tabular layout does not render (its help shows in the
    column header): the help is read as part of the name instead."""

    class RowLabelledFormSet(formset_class):
        def _construct_form(self, i, **kwargs):
            form = super()._construct_form(i, **kwargs)
            self._label(form, f"第 {i + 1} 行")
            return form

        @property
        def empty_form(self):
            form = super().empty_form
            self._label(form, "新增行")
            return form

        @staticmethod
        def _label(form, row: str) -> None:
            for name, field in form.fields.items():
                widget = getattr(field.widget, "widget", field.widget)  # the related-object wrapper's select
                label = "删除" if name == "DELETE" else (field.label or name)
                attrs = {"aria-label": f"{label}（{row}）"}
                if field.help_text:
                    # a blank (not empty) value: Django keeps it and adds no reference of its own
                    attrs = {"aria-label": f"{label}（{row}）：{field.help_text}", "aria-describedby": " "}
                widget.attrs = {**widget.attrs, **attrs}

    return RowLabelledFormSet


class TabularInline(ReadOnlyAuditFieldsMixin, LockCheckedInlineMixin, admin.TabularInline):
    extra = 0
    show_change_link = True

    def get_formset(self, request, obj=None, **kwargs):
        return row_labelled_formset(super().get_formset(request, obj, **kwargs))


class StackedInline(ReadOnlyAuditFieldsMixin, LockCheckedInlineMixin, admin.StackedInline):
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

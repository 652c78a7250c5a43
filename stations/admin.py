"""Admin for places, organisations, users, contracts and staff: enough for an administrator to correct data."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from evalportal.admin_helpers import ModelAdmin, ReadOnlyAdmin, TabularInline

from . import services
from .models import (
    ActivityEntry,
    AuditEntry,
    Community,
    Contract,
    District,
    ImportBatch,
    Organisation,
    PaymentTranche,
    QuarterSubmission,
    ServiceArea,
    ServiceProject,
    StaffMember,
    StaffMonth,
    StaffTransfer,
    Station,
    Street,
    User,
)


@admin.register(District)
class DistrictAdmin(ModelAdmin):
    list_display = ["name", "code", "city"]
    search_fields = ["name", "code"]


@admin.register(Street)
class StreetAdmin(ModelAdmin):
    list_display = ["name", "code", "kind", "district"]
    list_filter = ["kind", "district"]
    search_fields = ["name", "code"]
    list_select_related = ["district"]


@admin.register(Organisation)
class OrganisationAdmin(ModelAdmin):
    list_display = ["name", "short_name", "kind", "district", "street"]
    list_filter = ["kind", "district"]
    search_fields = ["name", "short_name"]
    list_select_related = ["district", "street"]
    autocomplete_fields = ["district", "street"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("角色与机构", {"fields": ("role", "organisation", "display_name")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("角色与机构", {"classes": ("wide",), "fields": ("role", "organisation", "display_name")}),
    )
    list_display = ["username", "display_name", "role", "organisation", "is_active", "is_staff", "last_login"]
    list_filter = ["role", "organisation__kind", "is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "display_name", "first_name", "last_name", "email", "organisation__name"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]


class CommunityInline(TabularInline):
    model = Community
    fields = ["name", "order"]
    show_change_link = False


@admin.register(Station)
class StationAdmin(ModelAdmin):
    list_display = ["name", "code", "street", "district", "founded"]
    list_filter = ["street__district"]
    search_fields = ["name", "code", "street__name"]
    list_select_related = ["street__district"]
    autocomplete_fields = ["street"]
    inlines = [CommunityInline]

    @admin.display(description="所属区", ordering="street__district__name")
    def district(self, obj: Station):
        return obj.street.district


@admin.register(Community)
class CommunityAdmin(ModelAdmin):
    list_display = ["name", "station", "order"]
    list_filter = ["station"]
    search_fields = ["name", "station__name"]
    list_select_related = ["station"]
    autocomplete_fields = ["station"]


class ServiceAreaInline(TabularInline):
    model = ServiceArea
    fields = ["name", "order", "social_workers", "communities"]
    autocomplete_fields = ["communities"]


class PaymentTrancheInline(TabularInline):
    model = PaymentTranche
    fields = ["order", "percentage", "condition", "note"]
    show_change_link = False


class ServiceProjectInline(TabularInline):
    model = ServiceProject
    fields = ["order", "kind", "name"]


@admin.register(Contract)
class ContractAdmin(ModelAdmin):
    list_display = ["code", "title", "station", "operator", "start_date", "end_date", "budget"]
    list_filter = ["station__street__district", "start_date"]
    search_fields = ["code", "title", "station__name", "operator__name", "procurement_number"]
    list_select_related = ["station", "operator"]
    autocomplete_fields = ["station", "operator", "buyer", "supervisor"]
    date_hierarchy = "start_date"
    inlines = [ServiceAreaInline, PaymentTrancheInline, ServiceProjectInline]
    fieldsets = [
        (None, {"fields": ["code", "title", "station"]}),
        ("各方", {"fields": ["operator", "buyer", "supervisor"]}),
        ("服务期与金额", {"fields": ["start_date", "end_date", "budget", "service_hours"]}),
        ("采购", {"fields": ["procurement_number", "procurement_method"]}),
        ("人员要求", {"fields": ["required_certified_staff", "required_staff"]}),
    ]


@admin.register(ServiceArea)
class ServiceAreaAdmin(ModelAdmin):
    list_display = ["name", "contract", "order", "social_workers"]
    list_filter = ["contract__station"]
    search_fields = ["name", "contract__code", "contract__station__name"]
    list_select_related = ["contract__station"]
    autocomplete_fields = ["contract", "communities"]


@admin.register(PaymentTranche)
class PaymentTrancheAdmin(ModelAdmin):
    list_display = ["contract", "order", "percentage", "condition"]
    list_filter = ["condition"]
    search_fields = ["contract__code", "contract__station__name"]
    list_select_related = ["contract__station"]
    autocomplete_fields = ["contract"]


@admin.register(ServiceProject)
class ServiceProjectAdmin(ModelAdmin):
    list_display = ["name", "kind", "contract", "order"]
    list_filter = ["kind"]
    search_fields = ["name", "contract__code", "contract__station__name"]
    list_select_related = ["contract__station"]
    autocomplete_fields = ["contract"]


class AuditedAdminMixin:
    """Admin corrections of staff and ledger records go into the same audit trail as the portal's edits (issue 3
    §8), field by field (old → new), marked 后台; deletions are recorded too."""

    audit_subject = ""
    audited_fields: list[str] = []

    def audit_label(self, obj) -> str:
        return str(obj)

    def audit_contract(self, obj):
        return obj.contract

    def _audit(self, request, obj, before: dict[str, str], action: str) -> None:
        AuditEntry.objects.bulk_create(
            services.diff_audit(
                before=before, obj=obj, fields=self.audited_fields, user=request.user, subject=self.audit_subject,
                label=self.audit_label(obj), reason="", action=action, contract=self.audit_contract(obj),
                source="后台", month=getattr(obj, "month", None),
            )
        )

    def _before(self, obj) -> dict[str, str]:
        current = type(obj).objects.filter(pk=obj.pk).first() if obj.pk else None
        return {f: services.audit_display(current, f) for f in self.audited_fields} if current else {}

    def save_model(self, request, obj, form, change):
        before = self._before(obj)
        super().save_model(request, obj, form, change)
        self._audit(request, obj, before, AuditEntry.Action.UPDATE if change else AuditEntry.Action.CREATE)

    def audit_delete(self, request, obj) -> None:
        before = self._before(obj)
        AuditEntry.objects.create(
            user=request.user, action=AuditEntry.Action.DELETE, subject=self.audit_subject, object_id=obj.pk,
            contract=self.audit_contract(obj), label=self.audit_label(obj), field="记录",
            old_value="；".join(f"{k}={v}" for k, v in before.items() if v)[:200], source="后台",
            month=getattr(obj, "month", None),
        )

    def delete_model(self, request, obj):
        self.audit_delete(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class StaffMonthAudit(AuditedAdminMixin):
    audit_subject = AuditEntry.Subject.STAFF_MONTH
    audited_fields = services.STAFF_MONTH_AUDITED_FIELDS

    def audit_label(self, obj: StaffMonth) -> str:
        return f"{obj.staff.name} · {obj.month:%Y年%m月}"

    def audit_contract(self, obj: StaffMonth):
        return obj.staff.contract


class StaffMonthInline(TabularInline):
    model = StaffMonth
    fields = ["month", "on_post", "social_insurance", "salary_paid", "service_area", "version"]
    show_change_link = False

    def get_formset(self, request, obj=None, **kwargs):
        # Inline instances are made per request: remembering the edited StaffMember here is safe.
        self._staff = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "service_area":  # only the 片区 of the staff member's own contract
            staff = getattr(self, "_staff", None)
            queryset = ServiceArea.objects.all()
            kwargs["queryset"] = queryset.filter(contract_id=staff.contract_id) if staff else queryset.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(StaffMember)
class StaffMemberAdmin(AuditedAdminMixin, ModelAdmin):
    audit_subject = AuditEntry.Subject.STAFF
    audited_fields = services.STAFF_AUDITED_FIELDS
    list_display = ["name", "title", "certificate", "service_area", "contract", "two_years_practice", "left_on"]
    list_filter = ["position", "certificate", "two_years_practice", "contract__station"]
    search_fields = ["name", "contract__code", "contract__station__name"]
    list_select_related = ["service_area", "contract__station"]
    autocomplete_fields = ["contract", "service_area"]
    inlines = [StaffMonthInline]

    @admin.display(description="职位", ordering="position")
    def title(self, obj: StaffMember) -> str:
        return obj.title

    def audit_label(self, obj: StaffMember) -> str:
        return f"社工 {obj.name}"

    def save_formset(self, request, form, formset, change):
        """The inline on-post months: audit each changed or deleted month like the portal's grid does."""
        if formset.model is not StaffMonth:
            return super().save_formset(request, form, formset, change)
        months = StaffMonthAudit()
        deleted = [f.instance for f in formset.deleted_forms if f.instance.pk]
        for obj in deleted:  # recorded before the rows are gone
            months.audit_delete(request, obj)
        kept = [f for f in formset.forms if f not in formset.deleted_forms]
        before = {f.instance.pk: months._before(f.instance) for f in kept if f.instance.pk}
        super().save_formset(request, form, formset, change)
        for f in kept:
            if f.instance.pk:
                action = AuditEntry.Action.UPDATE if f.instance.pk in before else AuditEntry.Action.CREATE
                months._audit(request, f.instance, before.get(f.instance.pk, {}), action)


@admin.register(StaffMonth)
class StaffMonthAdmin(StaffMonthAudit, ModelAdmin):
    list_display = ["staff", "month", "on_post", "social_insurance", "salary_paid", "service_area", "contract"]
    list_filter = ["on_post", "social_insurance", "salary_paid", "month", "staff__contract__station"]
    search_fields = ["staff__name", "staff__contract__code"]
    list_select_related = ["staff__contract__station", "service_area"]
    autocomplete_fields = ["staff", "service_area"]
    date_hierarchy = "month"

    @admin.display(description="服务协议", ordering="staff__contract__code")
    def contract(self, obj: StaffMonth):
        return obj.staff.contract


@admin.register(ActivityEntry)
class ActivityEntryAdmin(AuditedAdminMixin, ModelAdmin):
    audit_subject = AuditEntry.Subject.ACTIVITY
    audited_fields = services.ACTIVITY_AUDITED_FIELDS

    def audit_label(self, obj: ActivityEntry) -> str:
        return f"活动 {obj.name}"

    list_display = ["date", "name", "nature", "participants", "service_project", "service_area", "contract"]
    list_filter = ["nature", "contract__station"]
    search_fields = ["name", "partners", "contract__code", "contract__station__name"]
    list_select_related = ["service_project", "service_area", "contract__station"]
    autocomplete_fields = ["contract", "service_project", "service_area"]
    date_hierarchy = "date"


@admin.register(StaffTransfer)
class StaffTransferAdmin(ModelAdmin):
    """Transfers are recorded by stations.services.staff_transfer (it also moves the months' 片区); read-only here."""

    list_display = ["date", "staff", "from_area", "to_area", "reason", "created_by"]
    list_select_related = ["staff", "from_area", "to_area", "created_by"]
    search_fields = ["staff__name", "reason"]
    readonly_fields = ["staff", "date", "from_area", "to_area", "reason"]

    def has_add_permission(self, request):
        return False


@admin.register(QuarterSubmission)
class QuarterSubmissionAdmin(ModelAdmin):
    """Status changes belong in the portal (submit/return through indicators.services, audited); here read-only."""

    list_display = ["contract", "year", "quarter", "status", "submitted_at", "returned_at", "version"]
    list_filter = ["status", "year", "quarter"]
    list_select_related = ["contract__station"]
    search_fields = ["contract__code", "contract__station__name"]
    readonly_fields = ["contract", "year", "quarter", "status", "submitted_at", "submitted_by", "returned_at",
                       "returned_by", "return_reason", "approved_at", "approved_by", "version", "updated_at"]

    def has_add_permission(self, request):
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

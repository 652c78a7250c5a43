"""Admin for places, organisations, users, contracts and staff: enough for an administrator to correct data."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import OuterRef, Subquery, Sum
from django.utils import timezone

from evalportal import lockout
from evalportal.admin_helpers import AuditedLockedAdminMixin, ModelAdmin, ReadOnlyAdmin, TabularInline

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
class UserAdmin(AuditedLockedAdminMixin, DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("角色与机构", {"fields": ("role", "organisation", "display_name")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("角色与机构", {"classes": ("wide",), "fields": ("role", "organisation", "display_name")}),
    )
    list_display = ["username", "display_name", "role", "organisation", "is_active", "is_staff", "last_login",
                    "login_lock"]
    list_filter = ["role", "organisation__kind", "is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "display_name", "first_name", "last_name", "email", "organisation__name"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]
    actions = ["unlock_login"]

    def get_queryset(self, request):
        # The recent login failures of every listed user in the same query (issue 9 §7: the administrator sees who
        # is locked out and unlocks them).
        from axes.models import AccessAttempt

        recent = (
            AccessAttempt.objects.filter(
                username=OuterRef("username"), attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME
            )
            .order_by()
            .values("username")
            .annotate(total=Sum("failures_since_start"))
            .values("total")[:1]
        )
        return super().get_queryset(request).annotate(recent_login_failures=Subquery(recent))

    @admin.display(description="登录锁定")
    def login_lock(self, obj) -> str:
        if (getattr(obj, "recent_login_failures", None) or 0) < settings.AXES_FAILURE_LIMIT:
            return "—"
        until = lockout.locked_until(obj.username)  # locked accounts only: a handful at most
        return f"锁定至 {lockout.locked_until_text(until)}" if until else "—"

    @admin.action(description="解除所选用户的登录锁定")
    def unlock_login(self, request, queryset):
        users = list(queryset)
        lockout.unlock([u.username for u in users])
        for user in users:
            self.log_change(request, user, "解除登录锁定")
        self.message_user(request, f"已解除 {len(users)} 个账户的登录锁定，可立即重新登录。")


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
class StaffMemberAdmin(ModelAdmin):
    list_display = ["name", "title", "certificate", "service_area", "contract", "two_years_practice", "left_on"]
    list_filter = ["position", "certificate", "two_years_practice", "contract__station"]
    search_fields = ["name", "contract__code", "contract__station__name"]
    list_select_related = ["service_area", "contract__station"]
    autocomplete_fields = ["contract", "service_area"]
    inlines = [StaffMonthInline]

    @admin.display(description="职位", ordering="position")
    def title(self, obj: StaffMember) -> str:
        return obj.title


@admin.register(StaffMonth)
class StaffMonthAdmin(ModelAdmin):
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
class ActivityEntryAdmin(ModelAdmin):
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

"""Admin for rubrics, four-party evaluations and government performance evaluations."""

from django.contrib import admin

from evalportal.admin_helpers import ModelAdmin, ReadOnlyAdmin, StackedInline, TabularInline

from .models import (
    ArchivedReport,
    Evaluation,
    EvaluationAssignment,
    EvaluationEvent,
    EvaluationItem,
    EvaluationSection,
    EvidenceAttachment,
    ExpenseLine,
    Finding,
    PartyScore,
    PerformanceEvaluation,
    PerformanceEvaluationEvent,
    PerformanceIndicator,
    RenderedReport,
    ReportBundle,
    RubricItem,
    RubricSection,
    RubricTemplate,
    WorkerHeartbeat,
)

# --- Rubric templates (editable; copied into an evaluation when scoring starts) ---


class RubricSectionInline(TabularInline):
    model = RubricSection
    fields = ["order", "name"]


@admin.register(RubricTemplate)
class RubricTemplateAdmin(ModelAdmin):
    list_display = ["name", "active", "updated_at"]
    list_filter = ["active"]
    search_fields = ["name"]
    inlines = [RubricSectionInline]


class RubricItemInline(TabularInline):
    model = RubricItem
    fields = ["order", "code", "text", "max_points", "guidance"]
    show_change_link = False


@admin.register(RubricSection)
class RubricSectionAdmin(ModelAdmin):
    list_display = ["name", "template", "order"]
    list_filter = ["template"]
    search_fields = ["name", "template__name"]
    list_select_related = ["template"]
    autocomplete_fields = ["template"]
    inlines = [RubricItemInline]


@admin.register(RubricItem)
class RubricItemAdmin(ModelAdmin):
    list_display = ["code", "text", "max_points", "section", "template"]
    list_filter = ["section__template"]
    search_fields = ["code", "text", "section__name"]
    list_select_related = ["section__template"]
    autocomplete_fields = ["section"]

    @admin.display(description="模板", ordering="section__template__name")
    def template(self, obj: RubricItem):
        return obj.section.template


# --- Four-party evaluations (seed 001) ---


class PartyScoreInline(TabularInline):
    model = PartyScore
    fields = ["party", "weight", "points", "score_100", "status", "submitted_at", "submitted_by", "version"]
    raw_id_fields = ["submitted_by"]
    show_change_link = False


class EvaluationAssignmentInline(TabularInline):
    model = EvaluationAssignment
    fields = ["user", "declaration", "declared_at", "assigned_at"]
    autocomplete_fields = ["user"]
    show_change_link = False


class FindingInline(StackedInline):
    model = Finding
    fields = [("party", "section", "kind", "order"), "areas", "text", "version"]
    autocomplete_fields = ["areas"]


@admin.register(Evaluation)
class EvaluationAdmin(ModelAdmin):
    list_display = ["code", "station", "kind", "date", "period_start", "period_end", "status", "total_score", "grade"]
    list_filter = ["kind", "status", "grade", "contract__station__street__district"]
    search_fields = ["code", "contract__code", "contract__station__name"]
    list_select_related = ["contract__station"]
    autocomplete_fields = ["contract", "agency", "supervision_centre", "rubric_source"]
    date_hierarchy = "date"
    inlines = [PartyScoreInline, EvaluationAssignmentInline, FindingInline]
    # Finalised and reopened only through the portal (reports.services): finalising checks the four parties, freezes
    # the total and archives the signed PDF/A; reopening asks for a reason. An admin status edit would skip all three.
    readonly_fields = ["status", "finalised_at"]
    fieldsets = [
        (None, {"fields": ["code", "contract", "kind", "date", ("period_start", "period_end")]}),
        ("评估方", {"fields": ["agency", "supervision_centre", "rubric_source"]}),
        ("结果", {"fields": ["status", "total_score", "grade", "finalised_at", "conclusion"]}),
    ]

    @admin.display(description="社工服务站", ordering="contract__station__name")
    def station(self, obj: Evaluation):
        return obj.contract.station


@admin.register(EvaluationAssignment)
class EvaluationAssignmentAdmin(ModelAdmin):
    list_display = ["user", "evaluation", "declaration", "declared_at", "assigned_at"]
    list_filter = ["declaration"]
    search_fields = ["user__username", "user__display_name", "evaluation__code"]
    list_select_related = ["user", "evaluation__contract__station"]
    autocomplete_fields = ["user", "evaluation"]


@admin.register(PartyScore)
class PartyScoreAdmin(ModelAdmin):
    list_display = ["evaluation", "party", "weight", "points", "score_100", "status", "submitted_by", "submitted_at"]
    list_filter = ["party", "status"]
    search_fields = ["evaluation__code", "evaluation__contract__station__name"]
    list_select_related = ["evaluation__contract__station", "submitted_by"]
    autocomplete_fields = ["evaluation"]
    raw_id_fields = ["submitted_by"]


class EvaluationItemInline(TabularInline):
    model = EvaluationItem
    fields = ["order", "code", "text", "max_points", "score", "note", "version", "updated_by", "updated_at"]
    show_change_link = False


@admin.register(EvaluationSection)
class EvaluationSectionAdmin(ModelAdmin):
    list_display = ["name", "evaluation", "order"]
    search_fields = ["name", "evaluation__code"]
    list_select_related = ["evaluation__contract__station"]
    autocomplete_fields = ["evaluation"]
    inlines = [EvaluationItemInline]


@admin.register(EvaluationItem)
class EvaluationItemAdmin(ModelAdmin):
    list_display = ["code", "text", "max_points", "score", "section", "evaluation", "updated_by", "updated_at"]
    search_fields = ["code", "text", "section__evaluation__code"]
    list_select_related = ["section__evaluation__contract__station", "updated_by"]
    autocomplete_fields = ["section"]

    @admin.display(description="评估", ordering="section__evaluation__code")
    def evaluation(self, obj: EvaluationItem):
        return obj.section.evaluation


@admin.register(Finding)
class FindingAdmin(ModelAdmin):
    list_display = ["evaluation", "party", "section", "kind", "short_text", "order"]
    list_filter = ["party", "section", "kind"]
    search_fields = ["text", "evaluation__code"]
    list_select_related = ["evaluation__contract__station"]
    autocomplete_fields = ["evaluation", "areas"]

    @admin.display(description="内容")
    def short_text(self, obj: Finding) -> str:
        return obj.text if len(obj.text) <= 40 else obj.text[:40] + "…"


# --- Government performance evaluations (seeds 000, 002–004) ---


class ExpenseLineInline(TabularInline):
    model = ExpenseLine
    fields = ["order", "name", "amount"]
    show_change_link = False


class PerformanceIndicatorInline(TabularInline):
    model = PerformanceIndicator
    fields = ["level", "parent", "order", "name", "max_points", "score", "target_text", "actual_text", "judgement"]
    raw_id_fields = ["parent"]


@admin.register(PerformanceEvaluation)
class PerformanceEvaluationAdmin(ModelAdmin):
    list_display = ["code", "title", "year", "department", "method", "declared_grade", "status"]
    list_filter = ["year", "method", "status", "department"]
    # Published and withdrawn only through the portal's 发布/撤回发布 (which archive the report and record who and why).
    readonly_fields = ["status", "published_at"]
    search_fields = ["code", "title", "department__name"]
    list_select_related = ["department"]
    autocomplete_fields = ["department", "contract"]
    inlines = [ExpenseLineInline, PerformanceIndicatorInline]
    fieldsets = [
        (None, {"fields": ["code", "title", "year", "department", "contract", "method", "status", "published_at"]}),
        ("预算", {"fields": ["budget_initial", "budget_full_year", "budget_executed"]}),
        ("自评", {"fields": ["declared_score", "declared_grade"]}),
        ("报告正文", {"classes": ["collapse"], "fields": [
            "background", "basis", "goals", "funding", "implementation", "organisation_text",
            "conclusion", "experience", "problems", "suggestions", "results_application",
        ]}),
    ]


@admin.register(PerformanceIndicator)
class PerformanceIndicatorAdmin(ModelAdmin):
    list_display = ["name", "level", "parent", "max_points", "score", "judgement", "evaluation"]
    list_filter = ["level", "judgement"]
    search_fields = ["name", "evaluation__code", "evaluation__title"]
    list_select_related = ["parent", "evaluation"]
    autocomplete_fields = ["evaluation"]
    raw_id_fields = ["parent"]


@admin.register(ExpenseLine)
class ExpenseLineAdmin(ModelAdmin):
    list_display = ["evaluation", "order", "name", "amount"]
    search_fields = ["name", "evaluation__code", "evaluation__title"]
    list_select_related = ["evaluation"]
    autocomplete_fields = ["evaluation"]


@admin.register(RenderedReport)
class RenderedReportAdmin(ModelAdmin):
    list_display = ["kind", "code", "fingerprint_short", "size", "render_seconds", "created_at"]
    list_filter = ["kind"]
    search_fields = ["code", "fingerprint"]
    readonly_fields = ["kind", "code", "fingerprint", "file", "size", "render_seconds", "created_at"]

    @admin.display(description="数据指纹")
    def fingerprint_short(self, obj):
        return obj.fingerprint[:12]


@admin.register(ReportBundle)
class ReportBundleAdmin(ModelAdmin):
    list_display = ["district", "period_from", "period_to", "requested_by", "status", "progress_done",
                    "progress_total", "created_at", "finished_at"]
    list_filter = ["status", "district"]
    list_select_related = ["district", "requested_by"]
    readonly_fields = ["file", "progress_done", "progress_total", "started_at", "finished_at", "heartbeat_at",
                       "created_at"]

# --- Evidence and history (issue 4) ---


@admin.register(EvidenceAttachment)
class EvidenceAttachmentAdmin(ModelAdmin):
    """Evidence files are uploaded on the scoring page (content-checked there); the admin only lists and removes."""

    list_display = ["original_name", "item", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["content_type"]
    search_fields = ["original_name", "item__text", "item__section__evaluation__code"]
    list_select_related = ["item", "uploaded_by"]
    readonly_fields = ["item", "file", "original_name", "content_type", "size", "uploaded_by", "uploaded_at"]

    def has_add_permission(self, request):
        return False


@admin.register(EvaluationEvent)
class EvaluationEventAdmin(ModelAdmin):
    """The evaluation history is append-only: readable here, never edited."""

    list_display = ["at", "evaluation", "actor", "action", "party", "item", "field", "old_value", "new_value", "reason"]
    list_filter = ["action", "party"]
    search_fields = ["evaluation__code", "reason"]
    list_select_related = ["evaluation__contract__station", "actor", "item"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ArchivedReport)
class ArchivedReportAdmin(ReadOnlyAdmin):
    """Signed reports (issue 9 §2): what was signed never moves, so they are readable here and never edited."""

    list_display = ["code", "version", "kind", "verification_code", "created_at", "created_by", "size", "rendered_at",
                    "superseded_by"]
    list_filter = ["kind"]
    search_fields = ["code", "verification_code", "sha256", "title"]
    list_select_related = ["created_by", "superseded_by"]
    exclude = ["html"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("html")


@admin.register(PerformanceEvaluationEvent)
class PerformanceEvaluationEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "evaluation", "actor", "action", "old_value", "new_value", "reason"]
    list_filter = ["action"]
    search_fields = ["evaluation__code", "reason"]
    list_select_related = ["evaluation", "actor"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    """Written by `run_worker` each round of its loop; read here (and by /healthz), never edited."""

    list_display = ["name", "started_at", "beat_at"]
    search_fields = ["name"]

"""Admin: questionnaire templates (editable) and surveys (read-mostly). Rosters, respondents and answers are not in
the admin: names and phones are for the survey's evaluator only (issue 14 §5)."""

from django.contrib import admin

from evalportal.admin_helpers import ModelAdmin, TabularInline

from .models import QuestionnaireTemplate, Survey, TemplateQuestion


class TemplateQuestionInline(TabularInline):
    model = TemplateQuestion
    extra = 1


@admin.register(QuestionnaireTemplate)
class QuestionnaireTemplateAdmin(ModelAdmin):
    list_display = ["name", "active"]
    list_filter = ["active"]
    search_fields = ["name"]
    inlines = [TemplateQuestionInline]


@admin.register(Survey)
class SurveyAdmin(ModelAdmin):
    """An admin may set up a survey of a 绩效评价 and choose its evaluator; the rest happens in the portal."""

    list_display = ["title", "contract", "evaluator", "status", "sampled_at", "closed_at", "roster_purged_at"]
    list_filter = ["status"]
    search_fields = ["title", "contract__code"]
    list_select_related = ["contract", "evaluator"]
    readonly_fields = ["status", "seed", "sampled_at", "links_expire_at", "closed_at", "roster_purged_at", "version"]
    autocomplete_fields = ["contract", "evaluation", "performance_evaluation", "evaluator"]

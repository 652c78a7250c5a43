from django.apps import AppConfig


class SurveysConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "surveys"
    verbose_name = "满意度调查"

    def ready(self) -> None:
        from reports.satisfaction import register

        from .reporting import closed_survey_summary

        register(closed_survey_summary)

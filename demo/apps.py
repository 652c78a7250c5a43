from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data of the five seed reports (`manage.py load_demo`): the top layer, it may use every app."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
    verbose_name = "演示数据"

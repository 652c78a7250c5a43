from django.apps import AppConfig


class StationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "stations"
    verbose_name = "站点与机构"

    def ready(self) -> None:
        # evalportal is the project package, not an app: its system checks register here.
        from evalportal import checks  # noqa: F401

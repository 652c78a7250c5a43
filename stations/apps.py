from django.apps import AppConfig


class StationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "stations"
    verbose_name = "站点与机构"

    def ready(self) -> None:
        # evalportal is the project package, not an app: its system checks and the login/denial logging
        # receivers (user ids only) register here.
        from evalportal import checks, security  # noqa: F401

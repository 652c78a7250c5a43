from django.apps import AppConfig


class OversightConfig(AppConfig):
    """Oversight of many stations (issue 10): approval lists, to-do homes, filtered lists, dashboard, scale data.

    Sits above reports → indicators → stations → evalportal: it reads all of them and nothing imports it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "oversight"
    verbose_name = "监督总览"

    def ready(self) -> None:
        # the session renewal's login receiver (evalportal is the project package, not an app)
        from evalportal import session_refresh  # noqa: F401

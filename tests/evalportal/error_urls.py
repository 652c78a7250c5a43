"""The project's URLs plus views that fail, to see the error pages as users would (tests/evalportal/test_headers.py)."""

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import path

from evalportal.urls import handler403, handler404, handler500  # noqa: F401
from evalportal.urls import urlpatterns as project_urlpatterns


def boom(request):
    raise RuntimeError("unexpected failure")


def database_down(request):
    # The 500 page must still render when the database is what failed: every query from here on raises.
    def refuse(execute, sql, params, many, context):
        raise RuntimeError("database unavailable")

    connection.execute_wrappers.append(refuse)
    raise RuntimeError("database unavailable")


def forbidden_in_english(request):
    raise PermissionDenied("internal detail")


urlpatterns = [
    path("test-errors/boom/", boom),
    path("test-errors/database-down/", database_down),
    path("test-errors/forbidden/", forbidden_in_english),
    *project_urlpatterns,
]

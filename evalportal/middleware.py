"""Response headers (issue 9 §9). The Content-Security-Policy comes from django-csp (settings.CONTENT_SECURITY_POLICY)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class NoStoreForAuthenticatedMiddleware:
    """`Cache-Control: private, no-store` on every response to a signed-in user: pages, PDFs, Excel exports and JSON
    carry personal and unsubmitted data, which neither a shared office computer's browser cache nor a proxy may keep
    (the back button after logging out must not show them). A view's own Cache-Control directives are kept."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)  # the session, before an API view replaces it
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if signed_in or (user is not None and user.is_authenticated):  # or an API token, after
            patch_cache_control(response, private=True, no_store=True)
        return response

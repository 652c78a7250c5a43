"""Response headers (issue 9 §9; the Content-Security-Policy comes from django-csp, settings.CONTENT_SECURITY_POLICY) and
the refusal of NUL characters in what a request sends."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control

NUL_REASON = "提交的内容含有无效字符（NUL），未保存任何内容。请删除该字符后重新提交。"


# in a JSON text: \u0000 after an even number of backslashes (none, or escaped backslashes)
JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


class RejectNulMiddleware:
    """400 for a request whose query string, form fields or JSON body holds a NUL character: PostgreSQL refuses NUL in
    text (a 500 wherever a view passes the text on: an import token, a return reason, a finding), and no text of the
    portal may hold one. Django's form fields refuse NUL already; this covers what views read directly, on both
    databases alike. Files are not looked at (a spreadsheet is binary)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._holds_nul(request):
            if request.path.startswith("/api/"):
                # the API's problem+json shape (api.problems.problem, which this layer may not import)
                body = {"type": "about:blank", "title": "请求有误", "status": 400, "detail": NUL_REASON}
                return JsonResponse(body, status=400,
                                    content_type="application/problem+json", json_dumps_params={"ensure_ascii": False})
            raise BadRequest(NUL_REASON)
        return self.get_response(request)

    @staticmethod
    def _holds_nul(request: HttpRequest) -> bool:
        if any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()):
            return True
        if request.method not in ("POST", "PUT", "PATCH"):
            return False
        content_type = request.content_type or ""
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return any("\x00" in key or any("\x00" in v for v in values if isinstance(v, str))
                       for key, values in request.POST.lists())
        if content_type.endswith("json"):
            # a raw NUL is not JSON (the parser refuses it); an escaped one is \u0000 after an even number of
            # backslashes (`\\u0000` is the six characters \u0000 as text, which may be saved)
            return JSON_NUL.search(request.body) is not None
        return False


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

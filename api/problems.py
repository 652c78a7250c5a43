"""Errors as RFC 9457 problem details (`application/problem+json`) with a Chinese `detail` and per-field `errors`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from evalportal.edits import ConcurrentEdit, EntryError
from evalportal.locks import DataLocked

TITLES = {400: "请求有误", 401: "需要登录或令牌", 403: "无权限", 404: "不存在或无权查看", 405: "不支持的方法",
          406: "不支持的格式", 409: "数据冲突", 415: "不支持的内容类型", 429: "请求过于频繁"}


def problem(status_code: int, detail: str, *, errors: dict | None = None, **extra) -> Response:
    body = {"type": "about:blank", "title": TITLES.get(status_code, "错误"), "status": status_code, "detail": detail}
    if errors:
        body["errors"] = errors
    body.update(extra)
    return Response(body, status=status_code, content_type="application/problem+json")


def _flatten(data) -> dict[str, list[str]]:
    if isinstance(data, dict):
        return {str(k): [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in data.items()}
    return {"non_field_errors": [str(m) for m in (data if isinstance(data, list) else [data])]}


def problem_exception_handler(exc, context):
    if isinstance(exc, Http404):
        return problem(404, "对象不存在或无权查看。")
    if isinstance(exc, DjangoPermissionDenied):
        return problem(403, str(exc) or "无权限。")
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return problem(400, "；".join(m for ms in errors.values() for m in ms), errors=errors)
    if isinstance(exc, EntryError) and not isinstance(exc, exceptions.APIException):
        # locked data (evalportal.locks: submitted/approved quarter, finalised evaluation) and stale versions: 409
        return problem(409 if isinstance(exc, DataLocked | ConcurrentEdit) else 400, str(exc))
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        result = problem(400, "；".join(m for ms in errors.values() for m in ms), errors=errors)
    elif isinstance(exc, exceptions.Throttled):
        result = problem(429, f"请求过于频繁，请 {exc.wait:.0f} 秒后再试。" if exc.wait else "请求过于频繁。")
    elif isinstance(exc, exceptions.NotAuthenticated):
        result = problem(401, "请先登录，或在请求头提供接口令牌（Authorization: Token …）。")
    elif isinstance(exc, exceptions.APIException):
        result = problem(response.status_code, str(exc.detail))
    else:  # pragma: no cover - DRF only returns responses for APIException
        return response
    for header in ("Retry-After", "WWW-Authenticate", "Allow"):
        if header in response:
            result[header] = response[header]
    return result


CONFLICT = status.HTTP_409_CONFLICT

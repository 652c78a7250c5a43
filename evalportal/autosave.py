"""The server half of the autosave protocol shared by the scoring page and the survey's phone interviews
(static/js/autosave.js): a JSON body with the version the browser started from; 200 {ok, version, <record>},
400 {ok: false, error}, 409 {ok: false, conflict: true, error, current} where `current` is the stored record."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse


def json_error(message: str, status: int, **extra: Any) -> JsonResponse:
    return JsonResponse({"ok": False, "error": message, **extra}, status=status, json_dumps_params={"ensure_ascii": False})


def json_conflict(message: str, current: dict[str, Any]) -> JsonResponse:
    """Someone saved first: the second writer is told, with what is stored now, and chooses."""
    return json_error(message, 409, conflict=True, current=current)


def json_saved(version: int, **records: Any) -> JsonResponse:
    return JsonResponse({"ok": True, "version": version, **records}, json_dumps_params={"ensure_ascii": False})


def json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValidationError("请求格式错误。") from None
    if not isinstance(data, dict):
        raise ValidationError("请求格式错误。")
    return data


def body_version(data: dict[str, Any]) -> int:
    try:
        return int(data.get("version"))
    except (TypeError, ValueError):
        raise ValidationError("缺少版本号。") from None

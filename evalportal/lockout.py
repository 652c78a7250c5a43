"""Login lockout (issue 3 §1, issue 9 §7) on top of django-axes: 5 failures lock an account name for 15 minutes.

- Attempts made while an account is locked are not recorded (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False),
  so they do not extend the lock: someone who knows a user name cannot keep a street office locked out through its
  deadline by trying again every few minutes.
- The lockout page says until when, in Beijing time (`lockout_response`, settings.AXES_LOCKOUT_CALLABLE).
- The system administrator unlocks an account from the user list (stations.admin: 解除登录锁定), through
  `unlock`, which removes its recorded failures.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def _cool_off():
    return settings.AXES_COOLOFF_TIME


def locked_until(username: str, *, now: datetime | None = None) -> datetime | None:
    """When the lock of `username` ends, or None when it is not locked.

    django-axes counts the failures of the records (one per user name × address × browser) whose last failure lies
    within the cool-off; the account is locked while that sum reaches AXES_FAILURE_LIMIT. Newest first, the record at
    which the running sum reaches the limit is the one whose expiry ends the lock. One query."""
    from axes.models import AccessAttempt

    now = now or timezone.now()
    rows = AccessAttempt.objects.filter(username=username, attempt_time__gte=now - _cool_off()).order_by(
        "-attempt_time"
    ).values_list("attempt_time", "failures_since_start")
    total = 0
    for attempt_time, failures in rows:
        total += failures
        if total >= settings.AXES_FAILURE_LIMIT:
            return attempt_time + _cool_off()
    return None


def locked_until_text(until: datetime) -> str:
    """2026年11月27日 17:45 in Asia/Shanghai (the site's TIME_ZONE), as the lockout page prints it."""
    local = timezone.localtime(until)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def lockout_message(until: datetime | None) -> str:
    minutes = int(_cool_off().total_seconds() // 60)
    if until is None:
        return f"登录失败次数过多，账户已锁定 {minutes} 分钟，请稍后再试。"
    return (f"登录失败次数过多，账户已锁定至 {locked_until_text(until)}（北京时间），请届时再试；"
            f"锁定期间的登录尝试不会延长锁定。")


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    """The page django-axes answers with (HTTP 429) while an account is locked."""
    from axes.helpers import get_client_username

    username = get_client_username(request, credentials) or ""
    until = locked_until(username) if username else None
    if request.path.startswith("/api/"):  # the API's token exchange: a problem+json answer, not the HTML page
        from django.http import JsonResponse

        response = JsonResponse(
            {"type": "about:blank", "title": "账户已锁定", "status": settings.AXES_HTTP_RESPONSE_CODE,
             "detail": lockout_message(until)},
            status=settings.AXES_HTTP_RESPONSE_CODE, content_type="application/problem+json",
            json_dumps_params={"ensure_ascii": False},
        )
        if until is not None:
            response["Retry-After"] = str(max(1, int((until - timezone.now()).total_seconds())))
        return response
    return render(request, "registration/lockout.html", {"message": lockout_message(until), "locked_until": until},
                  status=settings.AXES_HTTP_RESPONSE_CODE)


def unlock(usernames: list[str]) -> int:
    """Remove the recorded login failures of these account names (their lock ends at once); returns how many records."""
    from axes.utils import reset

    return sum(reset(username=username) for username in usernames)

"""The 30-minute idle timeout without a database write on every request (issue 10 §6).

SESSION_SAVE_EVERY_REQUEST made every page a SELECT + UPDATE + COMMIT of the session row. Instead, a signed-in
session is saved (which moves its expiry to now + SESSION_COOKIE_AGE) only when less than SESSION_REFRESH_REMAINING
of its 30 minutes remain, i.e. at most once every SESSION_COOKIE_AGE - SESSION_REFRESH_REMAINING (5 minutes) of
activity. A session therefore ends at most 30 minutes, and at least 25 minutes, after its last request; an active
user is never logged out. The time of the last save is kept in the session itself (`_refreshed_at`, epoch seconds).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

KEY = "_refreshed_at"


@receiver(user_logged_in, dispatch_uid="evalportal_session_refreshed_at_login")
def _refreshed_at_login(sender, request, user, **kwargs) -> None:
    """Logging in saves the session anyway: record it, so the first page after login writes nothing."""
    if request is not None and hasattr(request, "session"):
        request.session[KEY] = int(time.time())


class SessionRefreshMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get("_auth_user_id"):
            now = int(time.time())
            refreshed = session.get(KEY)
            remaining = settings.SESSION_COOKIE_AGE - (now - refreshed) if isinstance(refreshed, int) else -1
            if remaining < settings.SESSION_REFRESH_REMAINING:
                session[KEY] = now  # marks the session modified: SessionMiddleware saves it with a new expiry
        return self.get_response(request)

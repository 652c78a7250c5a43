"""Security logging and object access (issue 3 §1, §8).

Logins, failed logins and denied access are logged with the user id only: no user names, no personal data,
no IP addresses (the log files are read by operators who must not learn who tried what).
Views fetch objects through `get_visible_or_404`, which answers 404 for anything outside the user's
querysets (evalportal.roles) and logs the denial when the object exists.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as _ModelBackend
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import Model, QuerySet
from django.dispatch import receiver
from django.http import Http404

log = logging.getLogger("evalportal.security")


@receiver(user_logged_in, dispatch_uid="evalportal_login_logged")
def _log_login(sender, request, user, **kwargs) -> None:
    log.info("login user_id=%s", user.pk)


@receiver(user_logged_out, dispatch_uid="evalportal_logout_logged")
def _log_logout(sender, request, user, **kwargs) -> None:
    log.info("logout user_id=%s", getattr(user, "pk", None))


@receiver(user_login_failed, dispatch_uid="evalportal_login_failed_logged")
def _log_login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = (credentials or {}).get("username") or ""
    user_id = get_user_model().objects.filter(username=username).values_list("pk", flat=True).first()
    log.warning("login_failed user_id=%s", user_id if user_id is not None else "unknown")


def log_denied(user, kind: str, object_id) -> None:
    log.warning("access_denied user_id=%s object=%s id=%s", getattr(user, "pk", None), kind, object_id)


def get_visible_or_404(user, visible: QuerySet, **lookup) -> Model:
    """The object from the user's visible queryset, else 404 (logged as a denial when the object exists)."""
    try:
        return visible.get(**lookup)
    except visible.model.DoesNotExist:
        exists = visible.model._default_manager.filter(**lookup).values_list("pk", flat=True).first()
        if exists is not None:
            log_denied(user, visible.model._meta.label_lower, exists)
        raise Http404("未找到该页面。") from None


class ModelBackend(_ModelBackend):
    """Django's ModelBackend, loading the signed-in user's organisation with the user (one query fewer on every page:
    the navigation, the homes and every role queryset read it)."""

    def get_user(self, user_id):
        try:
            user = get_user_model()._default_manager.select_related("organisation").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

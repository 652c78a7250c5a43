"""Token services: create (the secret is returned once), revoke, and authenticate a presented token."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from .models import ApiToken

PREFIX_LENGTH = 8
MAX_ACTIVE_TOKENS = 20
LAST_USED_PRECISION = timedelta(minutes=1)  # last use is written at most once a minute, not on every call


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user, name: str, days: int, read_only: bool) -> tuple[ApiToken, str]:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写令牌名称。"})
    if not 1 <= days <= 366:
        raise ValidationError({"days": "有效期应为 1 到 366 天。"})
    if read_only is False and user.role not in ("street", "admin") and not user.is_superuser:
        raise PermissionDenied("您的角色只能读取数据，只能创建只读令牌。")
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise ValidationError(f"每个用户最多 {MAX_ACTIVE_TOKENS} 个有效令牌，请先撤销不用的令牌。")
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    key = f"ep_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(user=user, name=name[:60], prefix=prefix, key_hash=_digest(key), read_only=read_only,
                     expires_at=timezone.now() + timedelta(days=days))
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, user) -> None:
    if token.user_id != user.pk:
        raise PermissionDenied("只能撤销自己的令牌。")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def api_token_authenticate(key: str) -> ApiToken | None:
    """The live token a presented key belongs to, or None (unknown, revoked, expired or inactive user)."""
    parts = key.split("_", 2)  # the secret part may itself contain "_"
    if len(parts) != 3 or parts[0] != "ep":
        return None
    token = ApiToken.objects.select_related("user__organisation").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.key_hash, _digest(key)):
        return None
    now = timezone.now()
    if token.revoked_at is not None or token.expires_at <= now or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token

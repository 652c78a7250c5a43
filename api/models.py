"""API tokens (issue 12 §2): a user's programs act as that user. Only a SHA-256 of the token is stored; the token is
shown once, when it is created. A token has a name, an expiry, a last-use time and is read-only or read-write."""

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name="用户")
    name = models.CharField("名称", max_length=60, help_text="用途，如“个案管理系统同步”。")
    prefix = models.CharField("前缀", max_length=12, unique=True, help_text="令牌开头几位，用于识别，不是秘密。")
    key_hash = models.CharField("令牌摘要", max_length=64)
    read_only = models.BooleanField("只读", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    expires_at = models.DateTimeField("有效期至")
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

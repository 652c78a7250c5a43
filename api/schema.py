"""The OpenAPI schema documents each operation's errors (problem+json), so that Schemathesis checks those bodies too."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

PROBLEM = "application/problem+json"


class ProblemSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="about:blank")
    title = serializers.CharField(help_text="错误类别，如“数据冲突”")
    status = serializers.IntegerField(help_text="HTTP 状态码")
    detail = serializers.CharField(help_text="中文说明，指明出错的单元格/字段")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False,
                                   help_text="按字段（或单元格）列出的错误")


class ApiAutoSchema(AutoSchema):
    # 400 bad parameters/body, 401 no or bad token, 403 may read but not write (or a read-only token), 404 outside the
    # caller's scope or unknown (also a bad cursor), 409 locked data or a stale version, 429 rate limit
    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        codes = ["400", "401", "403", "404", "429"]
        if self.method in ("PUT", "POST", "PATCH", "DELETE"):
            codes.append("409")
        for code in codes:
            if code not in bodies:
                bodies[code] = self._get_response_for_code(ProblemSerializer, code, media_types=[PROBLEM],
                                                           direction=direction)
        return bodies

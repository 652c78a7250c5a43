from rest_framework import permissions

from .models import ApiToken


class ReadOnlyTokenCannotWrite(permissions.BasePermission):
    message = "只读令牌不能修改数据。"

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return not (isinstance(request.auth, ApiToken) and request.auth.read_only)

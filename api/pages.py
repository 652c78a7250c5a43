"""The 接口令牌 settings page: a user creates (shown once) and revokes their API tokens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .models import ApiToken
from .tokens import api_token_create, api_token_revoke


class TokenForm(forms.Form):
    name = forms.CharField(label="名称", max_length=60, help_text="用途，如“个案管理系统同步”。")
    days = forms.IntegerField(label="有效期（天）", min_value=1, max_value=366, initial=90)
    read_only = forms.BooleanField(label="只读（不能修改数据）", required=False, initial=True)


@never_cache
@login_required
def token_list(request):
    form = TokenForm(request.POST or None)
    created_key = None
    if request.method == "POST" and form.is_valid():
        try:
            token, created_key = api_token_create(user=request.user, name=form.cleaned_data["name"],
                                                  days=form.cleaned_data["days"],
                                                  read_only=form.cleaned_data["read_only"])
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, "；".join(getattr(exc, "messages", [str(exc)])))
        else:
            form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")[:50]
    return render(request, "api/token_list.html", {
        "form": form, "tokens": tokens, "created_key": created_key, "now": timezone.now(), "breadcrumbs": [("接口令牌", None)],
    })


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(token=token, user=request.user)
    messages.success(request, f"令牌“{token.name}”已撤销，使用它的程序将无法再访问。")
    return redirect("api_tokens")

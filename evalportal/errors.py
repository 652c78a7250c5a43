"""Chinese error pages in the site's layout (issue 9 §9, issue 15 §4): 400, 403, 404, 500 and the CSRF failure.

Each says what happened, why when the view said so (the Chinese message of its PermissionDenied / Http404), and offers
a way back: the home page, and the previous page when the browser came from this site. 403 and 404 render with the
request (navigation when signed in); 500 renders without the request's context processors and without any database
access, so it still renders when the database is what failed.
"""

from __future__ import annotations

import logging
import re

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme

log = logging.getLogger("evalportal.errors")

_CHINESE = re.compile(r"[\u4e00-\u9fff]")
NOT_FOUND_REASON = "页面不存在，或您无权查看该内容。请检查网址，或从首页重新进入。"
FORBIDDEN_REASON = "您没有执行此操作的权限。如确需办理，请联系本单位管理员或系统管理员。"
CSRF_REASON = "页面已过期或安全校验未通过，未保存任何内容。请返回上一页，刷新后重新提交。"
SERVER_ERROR_REASON = "系统暂时无法完成您的请求，已记录错误。请稍后重试；如问题持续，请联系系统管理员。"


def _reason(exception: BaseException | None, default: str) -> str:
    """The view's own message if it wrote one for users (Chinese), else the default. Django's internal messages
    (Resolver404's dictionary, English texts) are never shown."""
    message = exception.args[0] if exception is not None and exception.args else None
    if isinstance(message, str) and _CHINESE.search(message):
        return message
    return default


def _back_url(request: HttpRequest) -> str:
    referer = request.META.get("HTTP_REFERER", "")
    if referer and referer != request.build_absolute_uri() and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return ""


def _render(request: HttpRequest, status: int, title: str, reason: str) -> HttpResponse:
    context = {"status": status, "title": title, "reason": reason, "back_url": _back_url(request)}
    body = loader.get_template(f"{status}.html").render(context, request)
    return HttpResponse(body, status=status)


BAD_REQUEST_REASON = "请求的内容无法识别，未保存任何内容。请返回上一页检查后重新提交。"


def bad_request(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return _render(request, 400, "请求无效", _reason(exception, BAD_REQUEST_REASON))


def permission_denied(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return _render(request, 403, "无权访问", _reason(exception, FORBIDDEN_REASON))


def page_not_found(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return _render(request, 404, "页面不存在", _reason(exception, NOT_FOUND_REASON))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _render(request, 403, "页面已过期", CSRF_REASON)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: context processors (user, navigation) would query the database that may have failed.
    try:
        body = loader.get_template("500.html").render(
            {"status": 500, "title": "系统错误", "reason": SERVER_ERROR_REASON}
        )
    except Exception:  # the template itself failed: still answer in Chinese
        log.exception("500 page could not be rendered")
        body = f'<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><title>系统错误</title><p>{SERVER_ERROR_REASON}</p>' \
               '<p><a href="/">返回首页</a></p></html>'
    return HttpResponseServerError(body)

"""Navigation per role (issue 3 §2): what the navbar of templates/base.html lists."""

from __future__ import annotations

from django.urls import reverse

from evalportal.roles import is_admin


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    items = [("首页", "home", ("home",))]
    if user.role == "street":
        items.append(("数据填报", "contract_list", ("contract_list", "contract_detail", "quarter_entry", "staff_")))
    else:
        items.append(("服务协议", "contract_list", ("contract_list", "contract_detail", "quarter_entry", "staff_")))
    if is_admin(user) or user.role in ("bureau", "supervision"):
        items.append(("总览", "dashboard", ("dashboard",)))
    items.append(("评估", "evaluation_overview", ("evaluation_",)))
    items.append(("满意度调查", "survey_list", ("survey_",)))
    items.append(("报告下载", "report_list", ("report_",)))
    nav = [
        {"label": label, "url": reverse(name), "active": any(current.startswith(p) for p in prefixes)}
        for label, name, prefixes in items
    ]
    if is_admin(user) or user.is_staff:
        nav.append({"label": "管理后台", "url": reverse("admin:index"), "active": False})
    if is_admin(user):
        nav.append({"label": "后台任务", "url": reverse("worker_queue"), "active": current == "worker_queue"})
    return {"nav_items": nav}

"""WCAG 2.1 AA by axe-core (issue 15) on the pages added since the accessibility pass, which
tests/evalportal/test_a11y_axe.py does not visit: the oversight dashboard and lists (with a filter error), the
satisfaction survey's pages (list, create with its errors, detail, roster upload with its errors, interviews, the phone
interview, slips) and the respondent's one-time questionnaire (with a refused submission), the API token page (with
its error and a created token), the report verification page (with its error), the worker queue, the staff import and
history pages, and the Chinese 403/404 pages. Same rules as the main test: any wcag2a/2aa/21a/21aa violation or an
idref naming a missing id fails, every state listed at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from unittest import mock

import pytest
from django.test import Client

from demo.loader import demo_load
from reports.models import Evaluation
from reports.services import evaluation_declare
from stations.models import ActivityEntry, Contract, StaffMember, User
from surveys import services
from surveys.models import Contact, Survey
from tests.a11y import ONCE_PER_CI, axe_violations, dangling_idrefs, describe, logged_in_context
from tests.evalportal.test_a11y_axe import bypass_submit, submit_empty, then, visit
from tests.surveys.factories import default_questionnaire

pytestmark = [pytest.mark.browser, ONCE_PER_CI]

CONTRACT = "/contracts/xicun-2024"


def same_tab(form_selector: str) -> Callable:
    """Submit a form that opens in a new tab (target=_blank) in this one, past its confirmation (tested elsewhere)."""
    def action(page, base):
        with page.expect_navigation():
            page.eval_on_selector(form_selector, "form => { form.removeAttribute('target'); form.submit(); }")
    return action


def on_day(day: date, action: Callable) -> Callable:
    """Run `action` with the server's today set to `day` (the demo contracts run in 2025: the dashboard lists them)."""
    def wrapped(page, base):
        with mock.patch("oversight.views.timezone.localdate", return_value=day):
            action(page, base)
    return wrapped


def has(selector: str) -> Callable:
    def action(page, base):
        assert page.locator(selector).count(), f"{page.url}: 没有 {selector}"
    return action


def wait_for(selector: str) -> Callable:
    def action(page, base):
        page.wait_for_selector(selector)
    return action


def upload(selector: str, name: str, content: bytes) -> Callable:
    def action(page, base):
        page.set_input_files(selector, files=[{"name": name, "mimeType": "application/octet-stream",
                                               "buffer": content}])
        with page.expect_navigation():
            page.click("main form[enctype] [type=submit]")
    return action


def roster_states(survey: Survey) -> dict[str, list[tuple[str, Callable]]]:
    """Before sampling: the street's roster upload and its refusal."""
    url = f"/surveys/{survey.pk}/roster/{survey.groups.get().pk}/"
    return {"street_xicun": [
        ("满意度调查名单上传", visit(url)),
        ("满意度调查名单上传：错误", then(visit(url), upload("input[type=file]", "名单.xlsx", b"not a workbook"))),
    ]}


def bulk_confirm(page, base):
    """Tick the first submitted quarter of the list and ask to return it: the confirmation page."""
    page.goto(base + "/oversight/submissions/?status=submitted&year=")
    page.check("main input[name=sub]")
    with page.expect_navigation():
        page.click("#bulk-return")


def import_preview(template: bytes) -> Callable:
    def action(page, base):
        page.goto(base + f"{CONTRACT}/quarters/2025-Q2/import/")
        page.set_input_files("#file", files=[{"name": "模板.xlsx", "mimeType": "application/octet-stream",
                                              "buffer": template}])
        with page.expect_navigation():
            page.click("main form[enctype] [type=submit]")
        assert "/imports/" in page.url, page.url
    return action


def states(survey: Survey, token: str) -> dict[str, list[tuple[str, Callable]]]:
    s = f"/surveys/{survey.pk}"
    contract = Contract.objects.get(code="xicun-2024")
    member = StaffMember.objects.filter(contract=contract).order_by("pk").first()
    activity = ActivityEntry.objects.select_related("contract").order_by("pk").first()  # the demo's: xicun-2022
    ledger = f"/contracts/{activity.contract.code}/activities/{activity.pk}"
    street = Client()
    street.force_login(User.objects.get(username="street_xicun"))
    template = street.get(f"{CONTRACT}/quarters/2025-Q2/template.xlsx").content
    return {
        # first: printing the slips below issues new links
        "anonymous": [
            ("问卷（一次性链接）", visit(f"/q/{token}/")),
            ("问卷：未答完", then(visit(f"/q/{token}/"), bypass_submit("main form[method=post]"))),
        ],
        "bureau_liwan": [
            ("总览", visit("/oversight/dashboard/")),
            ("总览（协议执行中，有预警）", on_day(date(2025, 5, 20), then(
                visit("/oversight/dashboard/"), has("#warnings li.list-group-item")))),
            ("季度提交列表", visit("/oversight/submissions/")),
            ("季度提交列表：筛选错误", visit("/oversight/submissions/?quarter=bad&status=nope")),
            ("服务协议列表：筛选", visit("/contracts/?sort=-name")),
            ("接口令牌", visit("/api/tokens/")),
            ("接口令牌：错误", then(visit("/api/tokens/"), bypass_submit("main form[method=post]"))),
            ("接口令牌：已创建", then(
                visit("/api/tokens/"), lambda page, base: page.fill("#id_name", "个案系统"), submit_empty)),
            ("报告核验", visit("/reports/verify/")),
            ("报告核验：错误", then(visit("/reports/verify/"), bypass_submit("main form[enctype]"))),
            ("批量退回：确认", bulk_confirm),
            ("满意度调查列表", visit("/surveys/")),
            ("满意度调查详情（区民政局）", visit(f"{s}/")),
        ],
        "street_xicun": [
            ("无权限（403）", visit("/oversight/dashboard/")),
            ("页面不存在（404）", visit("/contracts/no-such-contract/")),
            ("社工名册导入", visit(f"{CONTRACT}/staff/import/")),
            ("社工名册导入：错误", then(visit(f"{CONTRACT}/staff/import/"),
                                  upload("input[type=file]", "名册.xlsx", b"not a workbook"))),
            ("社工名册修改记录", visit(f"{CONTRACT}/staff/history/")),
            ("社工个人修改记录", visit(f"{CONTRACT}/staff/{member.pk}/history/")),
            ("片区调动", visit(f"{CONTRACT}/staff/{member.pk}/transfer/")),
            ("片区调动：错误", then(visit(f"{CONTRACT}/staff/{member.pk}/transfer/"),
                               bypass_submit("main form[method=post]"))),
            ("活动修改记录", visit(f"{ledger}/history/")),
            ("删除活动", visit(f"{ledger}/delete/")),
            ("Excel 导入预览", import_preview(template)),
            ("服务台账修改记录", visit(f"{CONTRACT}/activities/history/")),
        ],
        "evaluator_gzswa": [
            ("满意度调查列表（评估机构）", visit("/surveys/")),
            ("满意度调查详情", visit(f"{s}/")),
            ("访问列表", visit(f"{s}/interviews/")),
            ("电话访问", visit(f"{s}/interviews/1/")),
            ("电话访问：错误", then(visit(f"{s}/interviews/1/"), bypass_submit("form.interview-form"))),
            ("问卷链接（打印）", then(visit(f"{s}/"), same_tab(f"form[action='{s}/slips/']"))),
        ],
        "admin": [
            ("后台任务", visit("/admin/worker-queue/")),
        ],
    }


def survey_before_sampling() -> Survey:
    """Demo data, xicun-2024-final declared, a survey with a roster of two, not yet sampled (its roster page open)."""
    demo_load()
    evaluator = User.objects.get(username="evaluator_gzswa")
    evaluation = Evaluation.objects.get(code="xicun-2024-final")
    evaluation_declare(evaluation=evaluation, user=evaluator, conflict=False)
    survey = services.survey_create(
        user=evaluator, template=default_questionnaire(), title="", evaluation=evaluation,
        groups=[services.GroupInput("服务对象", 2, True)],
    )
    group = survey.groups.get()
    for i in range(2):
        Contact.objects.create(group=group, row=i + 2, name=f"测试对象{i}", phone=f"1380000{i:04d}", area="片区一")
    return survey


def check(browser, live_server, all_states: dict, report: list, known: dict[str, dict[str, str]] | None = None) -> int:
    """Visit every state of every role (one context per role) and add axe-core's violations to `report`.

    known: state name → {rule id: reason} for violations inside a vendored UI that no configuration of ours removes;
    they are left out of the report by name, and a listed rule that no longer occurs is reported (the list is kept
    honest). "rule@marker" leaves out only the elements whose selector contains the marker."""
    known = known or {}
    checked = 0
    for role, role_states in all_states.items():
        user = None if role == "anonymous" else User.objects.get(username=role)
        context = logged_in_context(browser, live_server, user, bypass_csp=True)
        page = context.new_page()
        for name, action in role_states:
            action(page, live_server.url)
            if role != "anonymous":
                assert "/accounts/login/" not in page.url, f"{role} · {name}: 被送回登录页"
            if "错误" in name or "未答完" in name:  # the state shows what it is named after
                assert page.locator("[role=alert], [aria-invalid=true]").count(), f"{role} · {name}: 没有错误提示"
            if "（40" in name:
                assert name[name.index("（") + 1:name.index("）")] in page.title() + page.inner_text("main"), name
            violations = axe_violations(page)
            checked += 1
            where = f"{role} · {name} · {page.url.removeprefix(live_server.url)}"
            expected = known.get(name, {})
            refs = dangling_idrefs(page)
            # an idref naming a missing id is listed as "idref:<attribute>"
            found = {v["id"] for v in violations} | {"idref:" + ref.split()[1].split("=")[0] for ref in refs}
            report += [f"[{where}] 已登记的第三方界面问题 {rule} 不再出现：请从登记表中删除"
                       for rule in expected if rule.partition("@")[0] not in found]
            markers = {rule.partition("@")[0]: rule.partition("@")[2] for rule in expected}
            for v in violations:
                if v["id"] in markers:
                    v["nodes"] = [n for n in v["nodes"] if markers[v["id"]] not in n["target"]]
            violations = [v for v in violations if v["nodes"]]
            refs = [ref for ref in refs if "idref:" + ref.split()[1].split("=")[0] not in expected]
            if violations:
                report.append(describe(where, violations))
            report += [f"[{where}] 引用了不存在的 id：{ref}" for ref in refs]
        context.close()
    return checked


def test_pages_added_since_the_accessibility_pass_pass_axe_wcag21_aa(browser, live_server, transactional_db):
    survey = survey_before_sampling()
    report = []
    checked = check(browser, live_server, roster_states(survey), report)
    evaluator = User.objects.get(username="evaluator_gzswa")
    services.survey_draw_sample(survey=survey, user=evaluator, seed="axe")
    _respondent, token = services.links_generate(survey=survey, user=evaluator)[0]
    all_states = states(survey, token)
    checked += check(browser, live_server, all_states, report)
    assert checked == sum(len(s) for s in all_states.values()) + 2
    assert not report, "axe-core 发现 WCAG 2.1 AA 问题：\n" + "\n".join(report)

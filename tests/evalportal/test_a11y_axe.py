"""WCAG 2.1 AA (GB/T 37668) checked by axe-core on every page state of issue 15, for each role, on the demo data.

One browser context per role (its session set once), the page states visited in turn: home, lists, the quarter grid
(empty, with a typing error, refused by the server), the staff and activity screens with their form errors, the
evaluation pages, the 回避 declaration (and its errors), the scoring page (with an out-of-range score and a refused
submission), reports, and for anonymous users the login page, its error and the lockout page. Any violation of the
wcag2a/wcag2aa/wcag21a/wcag21aa rules fails the test, listing every state, rule and element at once; so does an
aria-describedby (aria-labelledby, aria-controls, <label for>) naming an id the page does not have, which axe-core
does not report.
Run at 1280×800; the tablet layout (820×1180) is checked by the keyboard test.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from demo.loader import demo_load
from stations.models import User
from tests.a11y import ONCE_PER_CI, axe_violations, dangling_idrefs, describe, logged_in_context

pytestmark = [pytest.mark.browser, ONCE_PER_CI]

CONTRACT = "/contracts/xicun-2024"
DRAFT_QUARTER = f"{CONTRACT}/quarters/2025-Q2/"  # not yet submitted in the demo data: editable by 西村街道办
SUBMITTED_QUARTER = f"{CONTRACT}/quarters/2025-Q1/"
FINAL = "/evaluations/xicun-2024-final"  # draft: the evaluator has not declared yet
MID = "/evaluations/xicun-2024-mid"  # finalised


def visit(path: str) -> Callable:
    def action(page, base):
        page.goto(base + path)
    return action


def then(*steps: Callable) -> Callable:
    def action(page, base):
        for step in steps:
            step(page, base)
    return action


def click(selector: str) -> Callable:
    def action(page, base):
        with page.expect_navigation():
            page.click(selector)
    return action


def type_into(selector: str, text: str, expect_selector: str | None = None) -> Callable:
    def action(page, base):
        page.fill(selector, text)
        if expect_selector:
            page.wait_for_selector(expect_selector)
    return action


def bypass_submit(form_selector: str) -> Callable:
    """Submit without the page's own checks (form.submit() fires no submit event): the server's refusal page."""
    def action(page, base):
        with page.expect_navigation():
            page.eval_on_selector(form_selector, "form => form.submit()")
    return action


def submit_empty(page, base):
    with page.expect_navigation():
        page.click("main form[method=post] [type=submit]")


FIRST_CELL = "#entry-form input.cell-input"

STATES: dict[str, list[tuple[str, Callable]]] = {
    "street_xicun": [
        ("首页（街道办）", visit("/")),
        ("服务协议列表", visit("/contracts/")),
        ("服务协议详情", visit(f"{CONTRACT}/")),
        ("季度填报表格", visit(DRAFT_QUARTER)),
        ("季度填报：输入错误", then(visit(DRAFT_QUARTER), type_into(FIRST_CELL, "abc", "#entry-form .is-invalid"))),
        ("季度填报：保存被拒绝", then(visit(DRAFT_QUARTER), type_into(FIRST_CELL, "-5"), bypass_submit("#entry-form"))),
        ("修改记录", visit(f"{SUBMITTED_QUARTER}audit/")),
        ("Excel 导入", visit(f"{DRAFT_QUARTER}import/")),
        ("社工名册", visit(f"{CONTRACT}/staff/")),
        ("社工表单：错误", then(visit(f"{CONTRACT}/staff/new/"), submit_empty)),
        ("社工到岗表格", visit(f"{CONTRACT}/staff/months/2025-Q2/")),
        ("服务台账", visit(f"{CONTRACT}/activities/")),
        ("台账表单：错误", then(visit(f"{CONTRACT}/activities/new/"), submit_empty)),
        ("四方评估列表", visit("/evaluations/")),
        ("评估详情（已定稿）", visit(f"{MID}/")),
        ("购买方评分", visit(f"{FINAL}/parties/buyer/")),
        ("购买方评分：错误", then(visit(f"{FINAL}/parties/buyer/"), type_into("#id_value", "abc"),
                             click("main button[name=save]"))),
        ("报告下载", visit("/reports/")),
        ("修改密码：错误", then(visit("/accounts/password/"), submit_empty)),
    ],
    "bureau_liwan": [
        ("首页（区民政局）", visit("/")),
        ("服务协议列表", visit("/contracts/")),
        ("已提交季度（可退回）", visit(SUBMITTED_QUARTER)),
        ("四方评估列表", visit("/evaluations/")),
        ("新建评估：错误", then(visit("/evaluations/new/"), submit_empty)),
        ("评估详情（进行中）", visit(f"{FINAL}/")),
        ("监督方评分", visit(f"{FINAL}/parties/supervisor/")),
        ("评估历史", visit(f"{MID}/history/")),
        ("拨付批次", visit("/evaluations/contracts/xicun-2024/tranches/")),
        ("报告下载（按区打包）", visit("/reports/")),
    ],
    "supervision_gz": [
        ("首页（督导中心）", visit("/")),
        ("四方评估列表", visit("/evaluations/")),
        ("督导中心评分", visit(f"{FINAL}/parties/supervision/")),
    ],
    "evaluator_gzswa": [
        ("首页（评估机构）", visit("/")),
        ("回避声明", visit(f"{FINAL}/")),
        ("回避声明：错误", then(visit(f"{FINAL}/declaration/"), submit_empty)),
        ("第三方评分", then(
            visit(f"{FINAL}/declaration/"),
            lambda page, base: page.check("#id_declaration_0"),
            lambda page, base: page.check("#id_confirm"),
            submit_empty,
        )),
        ("第三方评分：超出分值", type_into(".rubric-item input[name=score]", "99", ".rubric-item .item-error:not([hidden])")),
        ("第三方评分：提交被拒绝", then(
            visit(f"{FINAL}/scoring/"),
            lambda page, base: page.click("#submit-form button[type=submit]"),
            lambda page, base: page.wait_for_selector("#submit-blocked.alert"),
        )),
        ("评估详情（已定稿）", visit(f"{MID}/")),
    ],
    "admin": [
        ("首页（管理员）", visit("/")),
        ("服务协议列表", visit("/contracts/")),
    ],
}


def login_as(username: str, password: str) -> Callable:
    def action(page, base):
        page.goto(base + "/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.click("main button[type=submit]")
    return action


def lock_out(page, base):
    for _ in range(5):
        login_as("street_jingtai", "wrong-password")(page, base)
    assert "锁定" in page.content()


ANONYMOUS_STATES = [
    ("登录", visit("/accounts/login/")),
    ("登录：密码错误", login_as("street_xicun", "wrong-password")),
    ("账户已锁定", lock_out),
]


def test_every_page_state_of_every_role_passes_axe_wcag21_aa(browser, live_server, transactional_db):
    """All roles in one test: the demo data is loaded once (several seconds on a loaded machine)."""
    demo_load()
    report, checked = [], 0
    for role in [*STATES, "anonymous"]:
        user = None if role == "anonymous" else User.objects.get(username=role)
        context = logged_in_context(browser, live_server, user, bypass_csp=True)
        page = context.new_page()
        states = ANONYMOUS_STATES if role == "anonymous" else STATES[role]
        for name, action in states:
            action(page, live_server.url)
            if role != "anonymous":
                assert "/accounts/login/" not in page.url, f"{role} · {name}: 被送回登录页"
            violations = axe_violations(page)
            checked += 1
            where = f"{role} · {name} · {page.url.removeprefix(live_server.url)}"
            if violations:
                report.append(describe(where, violations))
            report += [f"[{where}] 引用了不存在的 id：{ref}" for ref in dangling_idrefs(page)]
        context.close()
    assert checked == sum(len(s) for s in STATES.values()) + len(ANONYMOUS_STATES)
    assert not report, "axe-core 发现 WCAG 2.1 AA 问题：\n" + "\n".join(report)

"""Keyboard only (issue 15): a quarter cell and a rubric score are filled and saved with Tab, Space, Enter and typing —
no mouse — on the demo data. Along the way every focus stop is checked: it follows the page's reading order, its
focus indicator shows (an outline of 2px or more), and nothing covers it (document.elementFromPoint at the focused
element's centre is the element itself), at 1280×800 and on a tablet (820×1180), where the quarter grid's sticky
保存草稿/提交 bar and the scoring page's sticky save bar could hide the field being typed in. The accessible name and
description of a cell in error are asserted as a screen reader gets them.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from demo.loader import demo_load
from indicators.models import IndicatorDefinition, MonthlyActual
from reports.models import EvaluationItem
from reports.templatetags.evaluation_format import max_points as format_max_points
from stations.models import User
from tests.a11y import ONCE_PER_CI, focus, logged_in_context, shot

pytestmark = [pytest.mark.browser, ONCE_PER_CI]

GRID = "/contracts/xicun-2024/quarters/2025-Q2/"
FINAL = "/evaluations/xicun-2024-final"


def walk(page, stop, *, backwards: bool = False, limit: int = 600) -> list[dict]:
    """Press Tab (Shift+Tab) until `stop(probe)` holds; return every focus stop seen, the last one included."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        probe = focus(page)
        assert probe is not None, f"焦点落到了 <body>：{seen[-1] if seen else '页面开头'} 之后"
        seen.append(probe)
        if stop(probe):
            return seen
    raise AssertionError(f"按 {limit} 次 Tab 仍未到达目标；最后的焦点：{seen[-3:]}")


def problems(stops: list[dict], where: str) -> list[str]:
    out = []
    for p in stops:
        if p["covered"]:
            out.append(f"{where}: {p['tag']} “{p['label']}” 被 {p['coveredBy']} 遮挡")
        if p["inView"] is False:
            out.append(f"{where}: {p['tag']} “{p['label']}” 获得焦点时不在可视区域内")
        if p["outline"] < 2:
            out.append(f"{where}: {p['tag']} “{p['label']}” 获得焦点时没有可见的焦点框")
    return out


def is_button(text):
    return lambda p: p["tag"] == "button" and p["label"] == text


def label_pattern(visible: str, hidden: str) -> re.Pattern:
    return re.compile(r"^\s*" + re.escape(visible) + r"\s*" + re.escape(hidden) + r"\s*$")


def grid_order(page) -> list[str]:
    """The entry form's focusable elements in document order: the order a keyboard user must meet them in."""
    return page.eval_on_selector_all(
        "#entry-form a[href], #entry-form input.cell-input, #entry-form button",
        "els => els.map(e => e.getAttribute('aria-label') || e.textContent.replace(/\\s+/g, ' ').trim())",
    )


def test_quarter_cell_filled_refused_and_saved_by_keyboard(browser, live_server, transactional_db):
    from playwright.sync_api import expect

    demo_load()
    street = User.objects.get(username="street_xicun")
    context = logged_in_context(browser, live_server, street, width=1280, height=800)
    page = context.new_page()
    page.goto(live_server.url + GRID)
    found = []
    # The cell typed in: the last empty May cell, near the bottom of the grid (a station-wide indicator), so that
    # reaching it passes every cell and 记录 link of the page and the sticky bar is close by.
    cell_name = page.evaluate("""() => [...document.querySelectorAll("input.cell-input")]
        .filter(i => i.name.endsWith("-202505") && !i.value).pop().name""")
    area_pk, indicator_pk = (int(x) for x in cell_name.split("-")[1:3])
    assert area_pk == 0  # 全站指标
    indicator = IndicatorDefinition.objects.get(pk=indicator_pk)
    cell = page.locator(f"input[name='{cell_name}']")

    # The first Tab stop is the skip link; Enter on it moves focus to the main content.
    page.keyboard.press("Tab")
    assert focus(page)["label"] == "跳到主要内容"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # Tab through the page to the cell: every cell and every row's 修改记录 link, in document order, none covered.
    stops = walk(page, lambda p: p["name"] == cell_name)
    found += problems(stops, "1280 表格")
    expected = grid_order(page)
    in_form = [p["label"] for p in stops if p["label"] in expected]
    assert in_form == expected[:expected.index(f"全站指标 {indicator.name} 2025年5月") + 1]
    assert any(p["tag"] == "a" and p["label"].startswith("记录：片区一 困难群众和特殊群体建档") for p in stops)
    expect(cell).to_have_accessible_name(f"全站指标 {indicator.name} 2025年5月")

    # A typing error: linked to the cell, announced through the live region.
    page.keyboard.type("abc")
    expect(cell).to_have_attribute("aria-invalid", "true")
    expect(cell).to_have_accessible_description("请输入数字。")
    expect(page.locator("#live-status")).to_have_text(f"全站指标 {indicator.name} 2025年5月：请输入数字。")

    # 保存草稿 by keyboard is refused by the page: nothing is sent, focus returns to the cell in error.
    stops = walk(page, is_button("保存草稿"))
    found += problems(stops, "1280 表格末尾")
    page.keyboard.press("Enter")
    expect(page.locator("#entry-refused")).to_have_text("有 1 个单元格填写有误，未保存任何数据。请按单元格下方的提示修改。")
    assert page.evaluate("document.activeElement.name") == cell_name

    # The server's own refusal (the form submitted past the page's check, as without JavaScript): the page comes back
    # with focus on the first cell in error, which carries the server's message as its description.
    page.keyboard.press("Control+A")
    page.keyboard.type("-5")
    expect(cell).to_have_accessible_description("不能为负数。")
    with page.expect_navigation():
        page.eval_on_selector("#entry-form", "form => form.submit()")
    assert page.evaluate("document.activeElement.name") == cell_name
    expect(cell).to_have_attribute("aria-invalid", "true")
    server_message = page.locator(f"#err-{cell_name}").text_content().strip()
    assert server_message
    expect(cell).to_have_accessible_description(server_message)
    expect(page.locator(".alert-danger[role=alert]").first).to_contain_text("个单元格填写有误")
    shot(page, "grid-refused-1280")

    # Corrected and saved with the keyboard only.
    page.keyboard.press("Control+A")
    page.keyboard.type("12")
    expect(cell).not_to_have_attribute("aria-invalid", "true")
    stops = walk(page, is_button("保存草稿"))
    found += problems(stops, "1280 表格末尾（更正后）")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".alert-success")).to_contain_text("已保存草稿")
    stored = MonthlyActual.objects.get(contract__code="xicun-2024", service_area=None, indicator=indicator,
                                       month=date(2025, 5, 1))
    assert stored.value == 12

    # Tablet: the whole grid by Tab, nothing hidden by the sticky bar or by the sticky 指标 column.
    page.set_viewport_size({"width": 820, "height": 1180})
    page.goto(live_server.url + GRID)
    stops = walk(page, is_button("提交"))
    found += problems(stops, "820 表格")
    assert sum(1 for p in stops if p["tag"] == "input") == page.locator("input.cell-input").count()
    context.close()
    assert not found, "\n".join(found)


def test_rubric_score_declared_scored_and_refused_submission_by_keyboard(browser, live_server, transactional_db):
    from playwright.sync_api import expect

    demo_load()
    evaluator = User.objects.get(username="evaluator_gzswa")
    context = logged_in_context(browser, live_server, evaluator, width=820, height=1180)
    page = context.new_page()
    page.goto(live_server.url + FINAL + "/")
    found = []

    # 回避 declaration: Space picks the radio and ticks the box, Enter submits.
    stops = walk(page, lambda p: p["id"] == "id_declaration_0")
    page.keyboard.press("Space")
    stops += walk(page, lambda p: p["id"] == "id_confirm")
    page.keyboard.press("Space")
    stops += walk(page, is_button("提交声明"))
    found += problems(stops, "回避声明")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/scoring/")

    first = EvaluationItem.objects.filter(section__evaluation__code="xicun-2024-final").order_by(
        "section__order", "order").first()
    stops = walk(page, lambda p: p["id"] == f"score-{first.pk}")
    found += problems(stops, "评分页开头")
    score = page.locator(f"#score-{first.pk}")
    max_points = format_max_points(first.max_points)
    # The visible label, then the rubric item (visually hidden: a positioned span, so Chromium puts a space before it).
    expect(score).to_have_accessible_name(label_pattern(f"得分（0–{max_points} 分）", f"：{first.code} {first.text}"))
    expect(page.locator(f"#note-{first.pk}")).to_have_accessible_name(
        label_pattern("评分说明", f"：{first.code} {first.text}"))

    page.keyboard.type("99")
    message = f"“{first.text}”的得分不能超过 {max_points} 分。"
    expect(score).to_have_attribute("aria-invalid", "true")
    expect(score).to_have_accessible_description(message)
    expect(page.locator(f"#item-{first.pk} .item-error")).to_have_text(message)

    page.keyboard.press("Control+A")
    page.keyboard.type("5")
    expect(score).not_to_have_attribute("aria-invalid", "true")
    page.keyboard.press("Tab")  # leaving the field saves it at once
    expect(page.locator(f"#item-{first.pk} .save-state")).to_have_attribute("data-state", "saved", timeout=10000)
    assert EvaluationItem.objects.get(pk=first.pk).score == 5

    # Forward to the submit button, then back to the top: the sticky save bar covers nothing either way.
    stops = walk(page, is_button("提交第三方评分"))
    found += problems(stops, "评分页（向下）")
    assert any(p["tag"] == "input" and p["label"].startswith("添加证据") for p in stops), "证据上传框无法用键盘到达"
    back = walk(page, lambda p: p["id"] == f"score-{first.pk}", backwards=True)
    found += problems(back, "评分页（向上）")
    shot(page, "scoring-keyboard-820")

    # Submitting with items unscored is refused on the page: the reason is an alert, focus goes to the first unscored
    # item, whose score field is marked invalid and described by the reason.
    walk(page, is_button("提交第三方评分"))
    page.keyboard.press("Enter")
    blocked = page.locator("#submit-blocked")
    expect(blocked).to_contain_text("以下评估项尚未评分：")
    second = EvaluationItem.objects.filter(section__evaluation__code="xicun-2024-final").order_by(
        "section__order", "order")[1]
    assert page.evaluate("document.activeElement.id") == f"score-{second.pk}"
    expect(page.locator(f"#score-{second.pk}")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#score-{second.pk}")).to_have_accessible_description(blocked.text_content())
    context.close()
    assert not found, "\n".join(found)

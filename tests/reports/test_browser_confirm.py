"""Confirmation before the evaluation's irreversible steps (issue 11 §8), in a real browser: the party's 保存并提交,
提交第三方评分 and 重新开启 open an accessible dialog (static/js/confirm_action.js, no inline script): 取消 submits
nothing, 确定 submits. Debian's Chromium, never `playwright install`."""

from decimal import Decimal

import pytest
from django.urls import reverse

from reports import services
from reports.models import PartyScore

from .factories import SCORES_102_5, make_world, score_all_items
from .test_browser import logged_in_context

pytestmark = [pytest.mark.browser]


def confirm_dialog(page, name):
    from playwright.sync_api import expect

    dialog = page.get_by_role("dialog", name=name)
    expect(dialog).to_be_visible()
    expect(page.locator("#confirm-modal-cancel")).to_be_focused()  # fully shown, the safe answer first
    return dialog


def score_of(world, party) -> PartyScore:
    return PartyScore.objects.get(evaluation=world.evaluation, party=party)


def test_party_save_and_submit_asks_first(browser, live_server, transactional_db):
    from playwright.sync_api import expect

    world = make_world()
    context = logged_in_context(browser, live_server, world.street_user)
    page = context.new_page()
    page.goto(live_server.url + reverse("evaluation_party", args=[world.evaluation.code, "buyer"]))
    page.fill("#id_value", "18.50")

    page.click("#submit-party")
    dialog = confirm_dialog(page, "提交项目购买方（街道办事处）得分")
    expect(dialog).to_contain_text("确定保存并提交？")
    dialog.get_by_role("button", name="取消").click()
    expect(dialog).to_be_hidden()
    assert score_of(world, "buyer").status == "draft"
    assert score_of(world, "buyer").points is None  # cancel saves nothing either

    page.get_by_role("button", name="保存", exact=True).click()  # a plain save does not ask
    expect(page.locator(".alert-success")).to_contain_text("已保存。")
    assert (score_of(world, "buyer").status, score_of(world, "buyer").points) == ("draft", Decimal("18.50"))

    page.click("#submit-party")
    confirm_dialog(page, "提交项目购买方（街道办事处）得分").get_by_role("button", name="确定提交").click()
    expect(page.locator(".alert-success")).to_contain_text("已提交。")
    assert score_of(world, "buyer").status == "submitted"
    context.close()


def test_third_party_submit_asks_first(browser, live_server, transactional_db):
    from playwright.sync_api import expect

    world = make_world()
    score_all_items(world, SCORES_102_5)
    context = logged_in_context(browser, live_server, world.evaluator)
    page = context.new_page()
    page.goto(live_server.url + reverse("evaluation_scoring", args=[world.evaluation.code]))

    page.click("#submit-third-party")
    dialog = confirm_dialog(page, "提交第三方评分")
    expect(dialog).to_contain_text("原始分 ÷ 满分 × 55")
    dialog.get_by_role("button", name="取消").click()
    expect(dialog).to_be_hidden()
    assert score_of(world, "third_party").status == "draft"

    page.click("#submit-third-party")
    confirm_dialog(page, "提交第三方评分").get_by_role("button", name="确定提交").click()
    expect(page.locator(".alert-success")).to_contain_text("第三方评估机构得分已提交。")
    score = score_of(world, "third_party")
    assert (score.status, score.points) == ("submitted", Decimal("46.98"))  # 102.5 / 120 × 55
    context.close()


def test_reopen_asks_first(browser, live_server, transactional_db):
    from playwright.sync_api import expect

    world = make_world()
    score_all_items(world, SCORES_102_5)
    services.party_score_submit(evaluation=world.evaluation, party="third_party", user=world.evaluator)
    context = logged_in_context(browser, live_server, world.bureau)
    page = context.new_page()
    page.goto(live_server.url + reverse("evaluation_detail", args=[world.evaluation.code]))
    page.get_by_label("重新开启原因").fill("第三方评分项 2.3 的证据需补充")

    page.click("#reopen-evaluation")
    dialog = confirm_dialog(page, "重新开启评估")
    dialog.get_by_role("button", name="取消").click()
    expect(dialog).to_be_hidden()
    assert score_of(world, "third_party").status == "submitted"

    page.click("#reopen-evaluation")
    confirm_dialog(page, "重新开启评估").get_by_role("button", name="确定重新开启").click()
    expect(page.locator(".alert-success")).to_contain_text("已重新开启，原因已记录。")
    assert score_of(world, "third_party").status == "draft"
    context.close()

"""Leaving unsaved work (issue 11 §8) in a real browser: the quarter grid and the staff on-post grid warn before the
page is left with unsaved edits (beforeunload, only when dirty), and the quarter's 提交 asks for confirmation in an
accessible dialog (cancel → nothing submitted; confirm → submitted). Debian's Chromium, never `playwright install`."""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client

from indicators.models import MonthlyActual
from stations.models import QuarterSubmission, StaffMember, StaffMonth

from .factories import build_world

pytestmark = [pytest.mark.browser]


def open_page(browser, live_server, user, path):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])
    page = context.new_page()
    page.goto(live_server.url + path)
    dialogs = []

    def on_dialog(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # "stay on this page"

    page.on("dialog", on_dialog)
    return context, page, dialogs


def test_quarter_grid_warns_only_with_unsaved_edits(browser, live_server, transactional_db):
    from playwright.sync_api import expect

    world = build_world(n_areas=1)
    area = world.areas[0]
    visit = world.indicators["home_visit"]
    MonthlyActual.objects.create(contract=world.contract, service_area=area, indicator=visit,
                                 month=date(2025, 1, 1), value=Decimal(100))
    path = f"/contracts/{world.contract.code}/quarters/2025-Q1/"
    context, page, dialogs = open_page(browser, live_server, world.users["street_xc"], path)
    cell = page.locator(f"input[name='c-{area.pk}-{visit.pk}-202501']")

    # clean: typed and put back → leaving asks nothing
    cell.fill("120")
    expect(page.locator("#entry-unsaved")).to_be_visible()
    cell.fill("100")
    expect(page.locator("#entry-unsaved")).to_be_hidden()
    page.click("text=修改记录")
    page.wait_for_url("**/audit/")
    assert dialogs == []

    # dirty: leaving asks; dismissing keeps the page and the typed value
    page.go_back()
    page.wait_for_url(f"**{path}")
    cell = page.locator(f"input[name='c-{area.pk}-{visit.pk}-202501']")
    cell.fill("120")
    page.click("text=修改记录", no_wait_after=True)
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url.endswith(path)
    expect(cell).to_have_value("120")

    # saving the grid itself is not "leaving unsaved work"
    page.click("button[value=save]")
    expect(page.locator(".alert-success")).to_be_visible()
    assert dialogs == ["beforeunload"]
    assert MonthlyActual.objects.get(service_area=area, indicator=visit, month=date(2025, 1, 1)).value == 120
    page.click("text=修改记录")
    page.wait_for_url("**/audit/")
    assert dialogs == ["beforeunload"]
    context.close()


def test_quarter_submit_asks_first_cancel_submits_nothing(browser, live_server, transactional_db):
    from playwright.sync_api import expect

    world = build_world(n_areas=1)
    area = world.areas[0]
    visit = world.indicators["home_visit"]
    path = f"/contracts/{world.contract.code}/quarters/2025-Q1/"
    context, page, dialogs = open_page(browser, live_server, world.users["street_xc"], path)
    page.fill(f"input[name='c-{area.pk}-{visit.pk}-202501']", "100")

    page.click("#submit-quarter")
    modal = page.get_by_role("dialog", name="提交2025年第一季度指标数据")
    expect(modal).to_be_visible()
    expect(modal).to_contain_text("提交后本季度数据将只读")
    expect(page.locator("#confirm-modal-cancel")).to_be_focused()
    modal.get_by_role("button", name="取消").click()
    expect(modal).to_be_hidden()
    expect(page.locator("#submit-quarter")).to_be_focused()
    assert not QuarterSubmission.objects.exists()
    assert not MonthlyActual.objects.exists()

    page.keyboard.press("Enter")  # the focused 提交 again, by keyboard; Esc closes like 取消
    expect(modal).to_be_visible()
    expect(page.locator("#confirm-modal-cancel")).to_be_focused()  # shown (Bootstrap ignores Esc mid-animation)
    page.keyboard.press("Escape")
    expect(modal).to_be_hidden()
    assert not QuarterSubmission.objects.exists()

    page.click("#submit-quarter")
    expect(page.locator("#confirm-modal-cancel")).to_be_focused()
    modal.get_by_role("button", name="确定提交").click()
    expect(page.locator("#quarter-status")).to_have_text("已提交")
    assert QuarterSubmission.objects.get().status == "submitted"
    assert MonthlyActual.objects.get().value == 100
    assert dialogs == []  # the confirmed submission left the page without the unsaved-changes warning
    context.close()


def test_staff_grid_warns_only_with_unsaved_edits(browser, live_server, transactional_db):
    from playwright.sync_api import expect

    world = build_world(n_areas=1)
    member = StaffMember.objects.create(contract=world.contract, order=1, name="张测试", position="area_lead",
                                        certificate="intermediate", service_area=world.areas[0])
    StaffMonth.objects.create(staff=member, month=date(2025, 1, 1), on_post=Decimal(1), social_insurance=True,
                              salary_paid=True)
    path = f"/contracts/{world.contract.code}/staff/months/2025-Q1/"
    context, page, dialogs = open_page(browser, live_server, world.users["street_xc"], path)
    on_post = page.locator(f"select[name='p-{member.pk}-202501']")
    insurance = page.locator(f"input[name='s-{member.pk}-202501']")

    insurance.uncheck()
    expect(page.locator("#staff-unsaved")).to_be_visible()
    insurance.check()
    on_post.select_option("0.5")
    on_post.select_option("1")
    expect(page.locator("#staff-unsaved")).to_be_hidden()
    page.click("text=社工名册")
    page.wait_for_url("**/staff/")
    assert dialogs == []

    page.go_back()
    page.wait_for_url(f"**{path}")
    page.locator(f"select[name='p-{member.pk}-202502']").select_option("1")
    expect(page.locator("#staff-unsaved")).to_be_visible()
    page.click("text=社工名册", no_wait_after=True)
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url.endswith(path)

    page.click("text=保存到岗情况")
    expect(page.locator(".alert-success")).to_contain_text("已保存 1 条月度到岗记录")
    assert dialogs == ["beforeunload"]
    assert StaffMonth.objects.filter(staff=member).count() == 2
    context.close()

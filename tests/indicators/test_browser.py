"""The quarterly entry in a real browser (issue 3 Tests): a street office logs in through the login form, fills a
quarter by keyboard (Tab / Enter) while 累计完成 and 完成率 update as it types, submits, downloads the xlsx; the
bureau returns it with a reason; the street office sees the reason. Debian's Chromium, never `playwright install`.
Screenshots at 1366×768 and on a tablet (820×1180) are written to $EVALPORTAL_SCREENSHOTS (default /tmp/...)."""

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from indicators.models import MonthlyActual
from stations.models import QuarterSubmission
from tests.browser import SCREENSHOTS

from .factories import PASSWORD, build_world

pytestmark = [pytest.mark.browser]


def login(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"entry-{name}.png"), full_page=False)


def test_fill_submit_download_return_and_see_reason(browser, live_server, transactional_db):
    from playwright.sync_api import expect

    world = build_world(n_areas=3)
    area1 = world.areas[0]
    visit = world.indicators["home_visit"]
    MonthlyActual.objects.create(contract=world.contract, service_area=area1, indicator=visit,
                                 month=date(2024, 12, 1), value=Decimal(200))
    entry_url = f"{live_server.url}/contracts/{world.contract.code}/quarters/2025-Q1/"

    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    login(page, live_server, "street_xc")
    expect(page.locator("#due-title")).to_contain_text("待提交的季度数据")
    shot(page, "home-1366")
    page.goto(entry_url)

    # keyboard only: 片区1 row 建档 (stock), then Tab across 入户探访's three months
    first = page.locator(f"input[name='c-{area1.pk}-{world.indicators['registered_clients'].pk}-202501']")
    first.click()
    page.keyboard.type("742")
    page.keyboard.press("Tab")  # → 建档 Feb
    page.keyboard.press("Tab")  # → 建档 Mar
    page.keyboard.press("Tab")  # → 入户探访 Jan
    page.keyboard.type("100")
    page.keyboard.press("Tab")
    page.keyboard.type("120")
    page.keyboard.press("Tab")
    page.keyboard.type("118")
    row = page.locator("tr.entry-row").nth(1)
    # 200 (Dec) + 100 + 120 + 118 = 538 of 700 → 76.86% (seed 001), computed in the page as typed
    expect(row.locator(".js-cumulative")).to_have_text("538")
    expect(row.locator(".js-rate")).to_have_text("76.86%")
    expect(row.locator(".js-expected")).to_have_text("233")
    expect(row.locator(".js-pace")).to_contain_text("达到")
    # Enter moves down the same month column: 入户探访 Mar → 电访 Mar
    page.keyboard.press("Enter")
    focused = page.evaluate("document.activeElement.name")
    assert focused == f"c-{area1.pk}-{world.indicators['phone_call'].pk}-202503"
    page.keyboard.type("-5")
    expect(page.locator(f"#err-{focused}")).to_have_text("不能为负数。")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.type("5")
    expect(page.locator(f"#err-{focused}")).to_have_text("")
    shot(page, "grid-1366")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#submit-quarter")
    expect(page.locator("#quarter-status")).to_have_text("已提交")
    expect(page.locator("#lock-reason")).to_contain_text("表格只读（已提交）")
    assert QuarterSubmission.objects.get().status == "submitted"
    assert MonthlyActual.objects.filter(contract=world.contract).count() == 6

    with page.expect_download() as download_info:
        page.click("text=导出附件1（Excel）")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    assert ws["A5"].value == "片区1"
    assert (ws["F5"].value, ws["G5"].value, ws["H5"].value) == (700, 538, 0.7686)
    context.close()

    # the bureau returns it with a reason (tablet)
    tablet = browser.new_context(viewport={"width": 820, "height": 1180}, has_touch=True, locale="zh-CN")
    page = tablet.new_page()
    login(page, live_server, "bureau_lw")
    shot(page, "home-bureau-820")
    page.goto(entry_url)
    expect(page.locator("#lock-reason")).to_contain_text("已提交")
    shot(page, "grid-bureau-820")
    page.fill("#reason", "一片区一月入户探访与台账不符，请核对")
    page.click("#return-form button[type=submit]")
    expect(page.locator("#quarter-status")).to_have_text("已退回")
    tablet.close()

    # the street office sees it on its home page and on the grid, which is editable again
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    login(page, live_server, "street_xc")
    expect(page.locator("#returned-title")).to_contain_text("已退回，需修改后重新提交（1）")
    expect(page.get_by_text("一片区一月入户探访与台账不符，请核对")).to_be_visible()
    page.click("text=广州市西村街社工服务站 · 2025年第一季度")
    expect(page.locator("#return-reason")).to_contain_text("一片区一月入户探访与台账不符，请核对")
    expect(page.locator(f"input[name='c-{area1.pk}-{visit.pk}-202501']")).to_have_value("100")
    shot(page, "grid-returned-1366")
    context.close()


def test_page_script_computes_what_the_server_computes(browser, live_server, transactional_db):
    """The grid's JavaScript recomputes every row on load: its figures must equal the server's, row by row."""
    from django.test import Client

    from evalportal.periods import Quarter
    from indicators.entry import entry_grid
    from indicators.models import Target

    world = build_world(n_areas=2)
    ind = world.indicators
    a1, a2 = world.areas
    Target.objects.filter(contract=world.contract, indicator=ind["resources"]).update(value=Decimal("1000.00"))
    values = [
        (a1, "home_visit", date(2024, 12, 1), "200"), (a1, "home_visit", date(2025, 1, 1), "338"),
        (a2, "home_visit", date(2025, 2, 1), "1"), (a1, "registered_clients", date(2025, 1, 1), "742"),
        (a2, "registered_clients", date(2024, 12, 1), "100"), (None, "training_hours", date(2025, 1, 1), "783.5"),
        (None, "training_hours", date(2025, 3, 1), "296.5"), (None, "resources", date(2025, 2, 1), "333.33"),
    ]
    for area, code, month, value in values:
        MonthlyActual.objects.create(contract=world.contract, service_area=area, indicator=ind[code], month=month,
                                     value=Decimal(value))
    user = world.users["street_xc"]
    grid = entry_grid(contract=world.contract, quarter=Quarter(2025, 1), user=user)
    expected = [(r.cumulative_text, r.percent, r.expected_text) for s in grid.sections for r in s.rows]

    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/contracts/{world.contract.code}/quarters/2025-Q1/")
    shown = page.eval_on_selector_all(
        "tr.entry-row",
        "rows => rows.map(r => [r.querySelector('.js-cumulative').textContent.trim(),"
        " r.querySelector('.js-rate').textContent.trim(), r.querySelector('.js-expected').textContent.trim()])",
    )
    context.close()
    assert [tuple(r) for r in shown] == expected
    assert ("1080", "100.00%", "360") in expected  # 培训时数 783.5 + 296.5 of 1080; on pace 1080 × 4/12
    assert ("333.33", "33.33%", "333.33") in expected  # 资源链接 money keeps two decimals

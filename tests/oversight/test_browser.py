"""Oversight in a real browser (issue 10 Tests): as bureau_liwan a filter and its bookmark, then bulk approval with
its confirmation; as evaluator_gzswa the home page shows the 回避 declaration to make. Demo data (load_demo)."""

import pytest

from demo.loader import demo_load
from stations.models import AuditEntry, QuarterSubmission
from tests.browser import SCREENSHOTS

pytestmark = [pytest.mark.browser]


def login(browser, live_server, username):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "evalportal-demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_bureau_filters_bookmarks_and_bulk_approves(browser, live_server, transactional_db):
    from playwright.sync_api import expect

    demo_load()
    liwan = QuarterSubmission.objects.filter(contract__station__street__district__code="liwan", status="submitted")
    expected = liwan.count()
    assert expected >= 2
    page = login(browser, live_server, "bureau_liwan")
    page.get_by_role("link", name="季度填报审核").first.click()
    page.select_option("#id_year", "")  # every year: the demo quarters are from 2024–2025
    page.select_option("#id_status", "submitted")
    page.fill("#id_q", "西村")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**/oversight/submissions/?*")
    bookmark = page.url
    assert "status=submitted" in bookmark and "year=&" in bookmark and "q=" in bookmark
    xicun = liwan.filter(contract__station__name__contains="西村").count()
    expect(page.locator("input[name=sub]")).to_have_count(xicun)

    # the bookmark opens the same filtered list in a new tab
    again = page.context.new_page()
    again.goto(bookmark)
    expect(again.locator("#id_q")).to_have_value("西村")
    expect(again.locator("input[name=sub]")).to_have_count(xicun)
    again.close()

    # bulk approval: select all, the browser asks, then the confirmation page lists the quarters
    page.goto(f"{live_server.url}/oversight/submissions/?year=&status=submitted")
    expect(page.locator("input[name=sub]")).to_have_count(expected)
    page.locator("[data-select-all=sub]").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#bulk-approve")
    expect(page.locator("h1")).to_have_text(f"确认审核通过以下 {expected} 个季度")
    expect(page.locator("#bulk-selected li")).to_have_count(expected)
    page.screenshot(path=str(SCREENSHOTS / "oversight-bulk-confirm.png"), full_page=True)
    page.click("#bulk-confirm")
    expect(page.locator(".alert-success")).to_contain_text(f"已审核通过 {expected} 个季度。")
    expect(page.get_by_text("没有符合条件的季度填报。")).to_be_visible()
    assert liwan.count() == 0
    assert AuditEntry.objects.filter(action="approve").count() == expected


def test_evaluator_home_shows_the_declaration_to_make(browser, live_server, transactional_db):
    from playwright.sync_api import expect

    demo_load()
    page = login(browser, live_server, "evaluator_gzswa")
    card = page.locator("#todo-declarations-card")
    expect(card).to_contain_text("待声明回避（利益冲突）的评估（1）")
    expect(card).to_contain_text("末期评估")
    expect(page.locator("main")).not_to_contain_text("季度数据")
    card.get_by_role("link", name="末期评估").click()
    page.wait_for_url("**/declaration/")
    page.screenshot(path=str(SCREENSHOTS / "oversight-evaluator-home.png"), full_page=True)


def test_city_dashboard_drills_down_and_follows_a_warning_to_its_evidence(browser, live_server, transactional_db):
    from playwright.sync_api import expect

    from oversight.scale import scale_load

    demo_load()
    scale_load(stations=22, years=1, seed=2025)  # two generated stations per district, contracts running today
    page = login(browser, live_server, "supervision_gz")
    page.get_by_role("link", name="总览").first.click()
    page.wait_for_url("**/oversight/dashboard/")
    page.locator("nav[aria-label=按区查看]").get_by_role("link", name="荔湾区", exact=True).click()
    page.wait_for_url("**/oversight/dashboard/?district=*")
    expect(page.locator("#station-table tbody tr")).to_have_count(2)
    expect(page.locator("#grade-table, .card-body p.text-muted").first).to_be_visible()
    warnings = page.locator("#warnings li")
    assert warnings.count() > 0, "the generated 荔湾区 stations should raise at least one warning"
    reason = warnings.first.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "oversight-dashboard-liwan.png"), full_page=True)
    warnings.first.get_by_role("link", name="查看依据").click()
    page.wait_for_load_state()
    assert "/contracts/" in page.url or "/evaluations/" in page.url, (reason, page.url)
    expect(page.locator("h1")).to_be_visible()


def test_city_opens_a_chart_and_follows_its_table(browser, live_server, transactional_db):
    """As supervision_gz: from the dashboard to the district comparison, then to a district's completion vs pace
    chart through the table, and from that table to a station; the chooser's indicator stays in the URL."""
    from playwright.sync_api import expect

    from oversight.scale import scale_load

    demo_load()
    scale_load(stations=22, years=1, seed=2025)  # two generated stations per district, contracts running today
    page = login(browser, live_server, "supervision_gz")
    page.goto(f"{live_server.url}/oversight/dashboard/")
    page.get_by_role("link", name="各区对比").first.click()
    page.wait_for_url("**/oversight/charts/districts/*")
    chart = page.locator("figure svg")
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("role", "img")
    rows = page.locator("#chart-table tbody tr")
    assert rows.count() >= 11  # every district of the city
    # the chooser: another indicator, kept in the URL (bookmarkable)
    second = page.locator("#id_indicator option").nth(1)
    code, label = second.get_attribute("value"), second.inner_text()
    page.select_option("#id_indicator", code)
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(f"**indicator={code}*")
    expect(page.locator("#chart-title")).to_contain_text(label)
    page.screenshot(path=str(SCREENSHOTS / "oversight-chart-districts.png"), full_page=True)
    # follow the table: 荔湾区 → its stations' completion vs pace, still the chosen indicator
    page.locator("#chart-table").get_by_role("link", name="荔湾区", exact=True).click()
    page.wait_for_url("**/oversight/charts/pace/?*")
    assert f"indicator={code}" in page.url
    expect(page.locator("h1")).to_contain_text("荔湾区")
    expect(page.locator("figure svg")).to_be_visible()
    station_rows = page.locator("#chart-table tbody tr")
    assert station_rows.count() >= 2
    name = station_rows.first.locator("th a").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "oversight-chart-pace.png"), full_page=True)
    station_rows.first.locator("th a").click()
    page.wait_for_url("**/contracts/*/")
    expect(page.locator("main")).to_contain_text(name)

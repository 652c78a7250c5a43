"""The staff on-post grid in a real browser: the 附件2 figures beside the grid follow a changed 人员到位 cell, and
after saving they are exactly what the server computes (stations.calculations). Demo data: xicun-2024 (seed 001)."""

from datetime import date
from decimal import Decimal

import pytest
from django.template.defaultfilters import floatformat

from demo.loader import demo_load
from evalportal.periods import Quarter
from indicators.calculations import format_percent
from stations.calculations import format_halves
from stations.models import Contract, StaffMonth
from stations.register import staff_month_grid
from tests.browser import SCREENSHOTS

pytestmark = [pytest.mark.browser]

FIGURES = ("certified", "required", "surplus", "total", "two-years", "retention", "training")


def server_figures(contract, quarter) -> dict[str, str]:
    figures = staff_month_grid(contract=contract, quarter=quarter).figures
    training = figures.training_hours_per_worker_month
    return {
        "certified": format_halves(figures.certified_effective), "required": format_halves(figures.required),
        "surplus": format_halves(figures.surplus), "total": format_halves(figures.total_effective),
        "two-years": format_percent(figures.two_years_share), "retention": format_percent(figures.retention_rate),
        "training": "/" if training is None else floatformat(training, 2),
    }


def shown(page) -> dict[str, str]:
    return {name: page.locator(f"#fig-{name}").inner_text().strip() for name in FIGURES}


def test_changing_a_cell_updates_the_figures_to_what_the_server_saves(browser, live_server, transactional_db):
    from playwright.sync_api import expect

    demo_load()
    contract = Contract.objects.get(code="xicun-2024")
    quarter = Quarter(2025, 1)
    # a certified worker with ≥ 2 years on post every month: 0.5 in February changes 实到岗, 超配, 占比 and 稳岗率
    record = (
        StaffMonth.objects.filter(staff__contract=contract, month=date(2025, 2, 1), on_post=Decimal(1),
                                  staff__two_years_practice=True, staff__certificate__in=["intermediate", "assistant"])
        .select_related("staff").order_by("staff__order").first()
    )
    before = server_figures(contract, quarter)

    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "street_xicun")
    page.fill("#id_password", "evalportal-demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    url = f"{live_server.url}/contracts/{contract.code}/staff/months/{quarter.slug}/"
    page.goto(url)
    assert shown(page) == before  # the script's figures agree with the server's before any change
    expect(page.locator("#figures-unsaved")).to_be_hidden()

    page.select_option(f"select[name='p-{record.staff_id}-202502']", "0.5")
    live = shown(page)
    assert live["certified"] == format_halves(Decimal(before["certified"]) - Decimal("0.5"))
    assert live["total"] == format_halves(Decimal(before["total"]) - Decimal("0.5"))
    assert live["retention"] != before["retention"]
    assert live["two-years"] != before["two-years"]
    expect(page.locator("#figures-unsaved")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#staff-figures").screenshot(path=str(SCREENSHOTS / "staff-months-live-figures.png"))

    page.get_by_role("button", name="保存到岗情况").click()
    page.wait_for_url(url)
    expect(page.locator(".alert-success")).to_contain_text("已保存 1 条月度到岗记录。")
    assert StaffMonth.objects.get(pk=record.pk).on_post == Decimal("0.5")
    assert server_figures(contract, quarter) == live  # exactly what the server computes from the saved data
    assert shown(page) == live
    expect(page.locator("#figures-unsaved")).to_be_hidden()
    context.close()

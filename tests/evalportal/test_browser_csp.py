"""The Content-Security-Policy in a real browser (issue 9 §9): Chromium enforces the header on the pages that run
scripts (scoring with its reference panel, quarter entry, the bundle progress) and reports no violation, and the
scripts moved out of the templates still work. Debian's Chromium, never `playwright install`."""

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from reports.models import ReportBundle
from tests.reports.factories import make_world

pytestmark = [pytest.mark.browser]

VIOLATIONS = """() => window.__cspViolations || []"""
RECORD = """document.addEventListener("securitypolicyviolation", (e) => {
  (window.__cspViolations = window.__cspViolations || []).push(e.violatedDirective + " " + e.blockedURI);
});"""


def context_for(browser, live_server, user, width=1280):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    context.add_cookies([{
        "name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])
    context.add_init_script(RECORD)
    return context


def test_pages_with_scripts_run_under_the_policy_without_violations(browser, live_server, transactional_db):
    world = make_world("csp")
    bundle = ReportBundle.objects.create(
        requested_by=world.bureau, district=world.district, period_from=datetime.date(2025, 1, 1),
        period_to=datetime.date(2025, 12, 31), status=ReportBundle.Status.DONE, progress_done=0, progress_total=0,
    )
    context = context_for(browser, live_server, world.evaluator)
    page = context.new_page()
    messages = []
    page.on("console", lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None)

    response = page.goto(live_server.url + reverse("evaluation_scoring", args=[world.evaluation.code]))
    directives = [d.strip() for d in response.headers["content-security-policy"].split(";")]
    assert "script-src 'self'" in directives
    # static/js/reference_panel.js opened the panel on a wide screen
    assert page.locator("#reference-panel").evaluate("el => el.open") is True
    assert page.evaluate(VIOLATIONS) == []
    # the policy is enforced: an injected inline script does not run and is reported
    ran = page.evaluate("""() => { const s = document.createElement("script");
        s.textContent = "window.__inlineRan = true"; document.head.appendChild(s); return window.__inlineRan === true; }""")
    assert ran is False
    page.wait_for_function("() => (window.__cspViolations || []).length > 0")
    assert page.evaluate(VIOLATIONS)[0].startswith("script-src")
    messages.clear()

    bureau = context_for(browser, live_server, world.bureau)
    page2 = bureau.new_page()
    page2.on("console", lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None)
    page2.goto(live_server.url + reverse("report_bundle_detail", args=[bundle.pk]))
    # static/js/bundle_progress.js sized the bar from data-percent (no inline style attribute)
    assert page2.locator(".progress-bar").evaluate("el => el.style.width") == "100%"
    assert page2.evaluate(VIOLATIONS) == []
    page2.goto(live_server.url + reverse("evaluation_detail", args=[world.evaluation.code]))
    assert page2.evaluate(VIOLATIONS) == []
    assert messages == []
    context.close()
    bureau.close()

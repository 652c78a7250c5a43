"""Keyboard-complete (issue 15 §3) on the pages added since the accessibility pass: pressing Tab from the top of the
page reaches every visible control of the main content (links, buttons, fields, the bulk-selection checkboxes, each radio
group once) in the order they are shown, and each one shows its focus (an outline)."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest

from demo.loader import demo_load
from stations.models import QuarterSubmission, User
from surveys import services
from tests.a11y import ONCE_PER_CI, focus, logged_in_context
from tests.evalportal.test_a11y_axe_more import survey_before_sampling

pytestmark = [pytest.mark.browser, ONCE_PER_CI]

# every visible, enabled control of <main>, numbered in document order
_MARK = """() => {
  const sel = "a[href], button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex='-1'])";
  const all = Array.from(document.querySelectorAll("main " + sel)).filter(el => {
    if (el.disabled || el.closest("[hidden], .modal")) return false;
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    if (!(r.width > 0 && r.height > 0 && s.visibility !== "hidden")) return false;
    if (el.type === "radio") {  // Tab reaches a radio group once (its checked radio, else its first); arrows move inside
      const group = Array.from(document.getElementsByName(el.name));
      const stop = group.find(r => r.checked) || group[0];
      return el === stop;
    }
    return true;
  });
  all.forEach((el, i) => el.dataset.kbd = String(i));
  return all.length;
}"""
_ACTIVE = """() => {
  const el = document.activeElement;
  if (!el || !el.dataset || el.dataset.kbd === undefined) return null;
  const s = getComputedStyle(el);
  return {index: Number(el.dataset.kbd), outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2,
          label: (el.getAttribute("aria-label") || el.textContent || el.name || "").trim().slice(0, 40)};
}"""


def tab_through(page, limit: int = 400) -> tuple[int, list[dict]]:
    count = page.evaluate(_MARK)
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        active = page.evaluate(_ACTIVE)
        if active is not None:
            if seen and active["index"] == seen[0]["index"]:
                break
            seen.append(active)
            if active["index"] == count - 1:
                break
    return count, seen


PAGES = {
    "bureau_liwan": ["/oversight/dashboard/", "/oversight/submissions/", "/api/tokens/", "/reports/verify/",
                     "/surveys/"],
    "evaluator_gzswa": ["/surveys/{pk}/", "/surveys/{pk}/interviews/", "/surveys/{pk}/interviews/1/"],
}


def test_every_control_of_the_new_pages_is_reached_by_tab_in_order(browser, live_server, transactional_db):
    survey = survey_before_sampling()
    services.survey_draw_sample(survey=survey, user=User.objects.get(username="evaluator_gzswa"), seed="kbd")
    problems = []
    with mock.patch("oversight.views.timezone.localdate", return_value=date(2025, 5, 20)):
        for role, paths in PAGES.items():
            context = logged_in_context(browser, live_server, User.objects.get(username=role))
            page = context.new_page()
            for path in paths:
                path = path.format(pk=survey.pk)
                page.goto(live_server.url + path)
                count, seen = tab_through(page)
                order = [s["index"] for s in seen]
                if sorted(set(order)) != list(range(count)):
                    problems.append(f"{path}: Tab 到达 {len(set(order))}/{count} 个控件，缺 "
                                    f"{sorted(set(range(count)) - set(order))[:10]}")
                if order != sorted(order):
                    problems.append(f"{path}: Tab 顺序与显示顺序不同：{order[:30]}")
                problems += [f"{path}: “{s['label']}” 获得焦点时没有焦点框" for s in seen if not s["outline"]]
                assert count > 0, path
            context.close()
    assert not problems, "\n".join(problems)


def tab_to(page, selector: str, limit: int = 120) -> list[dict]:
    """Press Tab until the element matching `selector` has focus; every element passed on the way is probed (its
    focus shows and nothing covers it)."""
    passed = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        probe = focus(page)
        if probe is not None:
            passed.append(probe)
        if page.evaluate("(sel) => document.activeElement && document.activeElement.matches(sel)", selector):
            return passed
    raise AssertionError(f"{page.url}: 按 {limit} 次 Tab 没有到达 {selector}；经过：{[p['label'] for p in passed][-10:]}")


def test_a_bulk_approval_is_completed_by_keyboard_alone(browser, live_server, transactional_db):
    """审核通过所选 and its confirmation page by keyboard only (issue 15 §3): Tab to a quarter's checkbox, Space, Tab to
    审核通过所选, Enter; on the confirmation page Tab to 确认审核通过, Enter. The quarter is approved, the result is said,
    and every element focused on the way shows its focus and is not covered."""
    demo_load()
    context = logged_in_context(browser, live_server, User.objects.get(username="bureau_liwan"))
    page = context.new_page()
    page.goto(live_server.url + "/oversight/submissions/?status=submitted&year=")
    value = page.get_attribute("main input[name=sub]", "value")
    submission = QuarterSubmission.objects.get(pk=int(value.split(":")[0]))
    assert submission.status == QuarterSubmission.Status.SUBMITTED

    passed = tab_to(page, "main input[name=sub]")
    assert focus(page)["label"].startswith("选择 "), focus(page)
    page.keyboard.press("Space")
    assert page.is_checked("main input[name=sub]")
    passed += tab_to(page, "#bulk-approve")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/oversight/submissions/bulk/"), page.url
    assert "确认审核通过以下 1 个季度" in page.inner_text("main h1")

    on_confirm = tab_to(page, "#bulk-confirm")
    # the confirmation's own controls come in the order shown: 确认 before 取消, nothing of the page skipped into
    assert not any(p["label"] == "取消" for p in on_confirm), on_confirm
    passed += on_confirm
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "已审核通过 1 个季度。" in page.inner_text("main"), page.inner_text("main")[:300]
    submission.refresh_from_db()
    assert submission.status == QuarterSubmission.Status.APPROVED

    problems = [f"“{p['label']}”没有焦点框" for p in passed if p["outline"] < 2]
    problems += [f"“{p['label']}”被 {p['coveredBy']} 遮住" for p in passed if p["covered"]]
    problems += [f"“{p['label']}”在窗口外" for p in passed if not p["inView"]]
    context.close()
    assert not problems, "\n".join(problems)

"""Keyboard-complete (issue 15 §3) on the pages added since the accessibility pass: pressing Tab from the top of the
page reaches every visible control of the main content (links, buttons, fields, the bulk-selection checkboxes, each radio
group once) in the order they are shown, and each one shows its focus (an outline)."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest

from stations.models import User
from surveys import services
from tests.a11y import ONCE_PER_CI, logged_in_context
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

"""Accessibility checks shared by the browser tests (issue 15): axe-core from the npm registry, and keyboard probes.

axe-core is installed by scripts/install.sh (`npm ci`, pinned in package-lock.json) into <project>/node_modules and
injected into the page from that file — never from a CDN. Violations of the WCAG 2.0/2.1 A and AA rules fail the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from tests.browser import SCREENSHOTS

# The pages' markup, styles and scripts do not depend on the database, and these are the suite's slowest tests (about
# 3 minutes on a loaded 2-core machine): CI runs the suite on SQLite and on PostgreSQL, they run on SQLite only.
# The save paths they pass through are covered on both databases by the other browser tests.
ONCE_PER_CI = pytest.mark.skipif(
    connection.vendor == "postgresql", reason="无障碍浏览器测试与数据库无关，只在 SQLite 上运行一次（CI 总时长）"
)

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary}))
  }));
}"""

# What a keyboard user sees of the focused element: its name, whether it is covered and whether its focus shows.
# A control hidden inside its label (the evidence file inputs) is represented by the label that shows its focus.
FOCUS_PROBE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  let shown = el;
  let r = el.getBoundingClientRect();
  if (r.width <= 1 || r.height <= 1) { shown = el.closest("label") || el; r = shown.getBoundingClientRect(); }
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const hit = document.elementFromPoint(x, y);
  const style = getComputedStyle(shown);
  const inView = x >= 0 && y >= 0 && x <= window.innerWidth && y <= window.innerHeight;
  return {
    tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute("name") || "",
    label: (el.getAttribute("aria-label") || (el.labels && el.labels[0] ? el.labels[0].textContent : "")
            || el.textContent || "").replace(/\\s+/g, " ").trim().slice(0, 80),
    inView: inView,
    covered: inView ? !(hit === shown || shown.contains(hit)) : null,
    coveredBy: hit && hit !== shown && !shown.contains(hit) ? (hit.className || hit.tagName) + "" : "",
    outline: style.outlineStyle !== "none" ? parseFloat(style.outlineWidth) : 0,
  };
}"""


# axe-core does not report an aria-describedby that names a missing id (the 回避 checkbox of issue 15 did): checked here.
_DANGLING_IDREFS = """() => {
  const out = [];
  for (const attr of ["aria-describedby", "aria-labelledby", "aria-controls", "aria-errormessage", "for"]) {
    for (const el of document.querySelectorAll(`[${attr}]`)) {
      if (attr === "for" && el.tagName !== "LABEL") continue;
      for (const id of el.getAttribute(attr).split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) out.push(`${el.tagName.toLowerCase()}#${el.id || "?"} ${attr}="${id}"`);
      }
    }
  }
  return out;
}"""


def dangling_idrefs(page) -> list[str]:
    """Every id named by aria-describedby, aria-labelledby, aria-controls, aria-errormessage or <label for> exists."""
    return page.evaluate(_DANGLING_IDREFS)


def axe_violations(page) -> list[dict]:
    if not AXE.exists():
        pytest.fail(f"{AXE} 不存在：请先运行 scripts/install.sh（npm ci 安装 axe-core）。")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(_RUN_AXE, WCAG_TAGS)


def describe(state: str, violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{state}] {v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} 处")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['summary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


def logged_in_context(browser, live_server, user, *, width: int = 1280, height: int = 800, bypass_csp: bool = False):
    """A browser context with `user`'s session (one per role: the login form is tested on its own).

    bypass_csp: only for injecting axe-core, which the page's Content-Security-Policy (script-src 'self') refuses as
    an inline script; the pages' own scripts are the same either way.

    Reduced motion: Bootstrap scrolls smoothly otherwise, and a focus probe taken mid-scroll would see the element
    where it is passing, not where it stops."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", reduced_motion="reduce",
                                  bypass_csp=bypass_csp)
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies([{
            "name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": live_server.url,
        }])
    return context


def focus(page) -> dict | None:
    return page.evaluate(FOCUS_PROBE)


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"a11y-{name}.png"))

"""Checks every page must pass (issue 9 §9): a Content-Security-Policy header that allows no inline script, no inline
script, event-handler attribute, javascript: URL or style attribute in the HTML (the policy would block them), and
`Cache-Control: no-store` on responses to a signed-in user. Used by the URL census on every URL × role."""

from __future__ import annotations

import re

from django.http import HttpResponse

# <script> without src (a JSON data block is not executed, so it is allowed)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)(?![^>]*\btype\s*=\s*[\"']application/(?:ld\+)?json)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"""\b(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)


def csp_directives(response: HttpResponse) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def page_problems(response: HttpResponse, *, authenticated: bool) -> list[str]:
    """What is wrong with this response's headers and (for HTML) its markup; empty when nothing."""
    problems = []
    directives = csp_directives(response)
    script_src = directives.get("script-src", directives.get("default-src"))
    if not script_src:
        problems.append("no Content-Security-Policy script-src")
    elif "'unsafe-inline'" in script_src or "'unsafe-eval'" in script_src:
        problems.append(f"CSP allows inline script: {script_src}")
    if authenticated and "no-store" not in response.get("Cache-Control", ""):
        problems.append(f"Cache-Control without no-store: {response.get('Cache-Control')!r}")
    if response.get("Content-Type", "").startswith("text/html") and not getattr(response, "streaming", False):
        html = response.content.decode("utf-8", errors="replace")
        for name, pattern in (("inline <script>", INLINE_SCRIPT), ("event handler attribute", EVENT_HANDLER),
                              ("javascript: URL", JAVASCRIPT_URL), ("style attribute", STYLE_ATTRIBUTE)):
            match = pattern.search(html)
            if match:
                problems.append(f"{name}: {html[max(0, match.start() - 40):match.end() + 60]!r}")
    return problems

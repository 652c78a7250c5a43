"""Shared test fixtures: Debian's Chromium for the Playwright tests (never `playwright install`)."""

import os
from pathlib import Path

import pytest

# pytest-django's live_server runs the ORM inside Playwright's event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from tests.browser import CHROMIUM, LAUNCH_ARGS


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module. A missing browser is an install error, not a reason to skip."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} 不存在：请先运行 scripts/install.sh（apt-get install chromium）。")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and other cached counters (the API's throttle, the questionnaire links' limit) start at zero in
    every test and leave nothing behind: users of later tests get the same primary keys."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()

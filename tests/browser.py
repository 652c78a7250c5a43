"""Browser-test settings shared by the Playwright tests: Debian's Chromium, headless, no network chatter."""

import os
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("EVALPORTAL_SCREENSHOTS", "/tmp/evalportal-screenshots"))

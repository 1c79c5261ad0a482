"""CI's check of the README's first command: a scripted shopper in Chromium on a running
`kiosk demo` (installed without the test extras) goes from the welcome screen to results.

Usage: python tests/ci/first_visit.py URL  (exit 0 when the results page shows both feet)
It runs from the test environment (Playwright); the demo runs from its own.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.request

from playwright.sync_api import sync_playwright

from kiosk.bench.web import PORTRAIT, launch_browser, run_shopper_flow

SETUP_TIMEOUT_S = 1200.0  # a fresh virtual environment's pip install included


def main(url: str, timeout_s: float = 600.0) -> int:
    deadline = time.monotonic() + SETUP_TIMEOUT_S
    while True:  # setup.sh installs the runtime first, then the demo starts
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                health = json.loads(r.read())
            break
        except OSError:
            if time.monotonic() > deadline:
                print(f"first visit: {url} never answered", file=sys.stderr)
                return 1
            time.sleep(0.5)
    print(f"first visit: /healthz {health}")
    with sync_playwright() as pw:
        browser = launch_browser(pw)
        try:
            page = browser.new_context(viewport=PORTRAIT).new_page()
            timings = run_shopper_flow(page, url, timeout_s=timeout_s)
            text = page.inner_text("body")
        finally:
            browser.close()
    print("first visit: " + json.dumps({k: round(v, 1) for k, v in timings.items()}))
    if "mm" not in text:
        print("first visit: the results page shows no measurements", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

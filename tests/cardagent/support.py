"""Shared by the card agent tests: names of things, and skipping what is not installed."""

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
READER = "Virtual PCD 00 00"
VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
LOCK_FILE = Path("/tmp/loket-cardagent-vpcd.lock")
ORIGIN = "https://portal.example"
IN_CI = os.environ.get("CI", "").lower() == "true"


def missing(component: str, install: str):
    """Skip (or, in CI, fail) because a component is not there."""
    message = f"{component} is missing: install {install}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def wait_for(condition, timeout: float, what: str, interval: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out waiting for {what}")


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGUMENTS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class BrowserThread:
    """Chromium driven from a thread of its own. Playwright's sync API refuses to start while
    another sync Playwright is active in the same thread (the portal's browser tests keep one
    for the whole session), so everything that touches this browser runs on that thread."""

    def __init__(self):
        from playwright.sync_api import sync_playwright

        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cardagent-chromium")
        self.playwright = self.pool.submit(lambda: sync_playwright().start()).result()
        self.browser = self.pool.submit(
            self.playwright.chromium.launch, executable_path=CHROMIUM, args=CHROMIUM_ARGUMENTS
        ).result()

    def run(self, function, *arguments):
        return self.pool.submit(function, self.browser, *arguments).result(timeout=60)

    def close(self):
        self.pool.submit(self.browser.close).result()
        self.pool.submit(self.playwright.stop).result()
        self.pool.shutdown()

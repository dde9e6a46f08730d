"""Shared by the card agent tests: names of things, and skipping what is not installed."""
import os
import time
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

"""Real components the tests use, and what happens when one is missing.

Locally a missing component skips its tests with a reason that says what to install; with
CI=true it is a failure, because CI must run everything.
"""

import os
import shutil
import socket

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(available: bool, what: str, install: str) -> None:
    if available:
        return
    message = f"{what} is not available; install {install}"
    if IN_CI:
        pytest.fail(message + " (CI=true: nothing may be skipped)", pytrace=False)
    pytest.skip(message)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def require_postgres() -> None:
    require(port_open("127.0.0.1", 5432), "PostgreSQL on 127.0.0.1:5432 (trust, database test)", "postgresql")


def require_redis() -> None:
    require(port_open("127.0.0.1", 6379), "Redis on 127.0.0.1:6379", "redis-server")


def require_chromium() -> None:
    require(shutil.which(CHROMIUM) is not None or os.path.exists(CHROMIUM), "Chromium", "the Debian package chromium")


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NU_CHECKER = os.path.join(ROOT, "node_modules", "vnu-jar", "build", "dist", "vnu.jar")


def nu_html_errors(pages: dict[str, str], folder) -> list[str]:
    """The W3C Nu HTML checker's errors for these pages (name -> HTML), as 'name: line: message'."""
    import json
    import subprocess

    require(
        shutil.which("java") is not None and os.path.isfile(NU_CHECKER),
        "The W3C Nu HTML checker",
        "default-jre-headless and the npm package vnu-jar (scripts/test installs both)",
    )
    files = {}
    for number, (name, html) in enumerate(pages.items()):
        path = os.path.join(str(folder), f"page-{number}.html")
        with open(path, "w", encoding="utf-8") as file:
            file.write(html)
        files["file:" + path] = name
    result = subprocess.run(
        [
            "java",
            "-jar",
            NU_CHECKER,
            "--errors-only",
            "--format",
            "json",
            "--stdout",
            *[path.removeprefix("file:") for path in files],
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stdout or "{}").get("messages", [])
    return [
        f"{files.get(m.get('url'), m.get('url'))}: {m.get('lastLine')}: {m.get('message')}"
        for m in messages
        if m.get("type") == "error"
    ]

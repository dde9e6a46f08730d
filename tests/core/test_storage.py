"""core.storage: a file is served whole or not at all, a killed writer's leftover is swept, expired files go."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import make_app
from webapp.core.errors import NotFound
from webapp.core.storage import TEMPORARY_PREFIX, Area, send

ROOT = Path(__file__).resolve().parents[2]
LETTERS = Area("letters")


@pytest.fixture
def bare_app(tmp_path):
    app = make_app(tmp_path, "sqlite://")
    with app.app_context():
        yield app


def served(app, name: str) -> bytes:
    """What a download of `name` answers: its bytes, or NotFound."""
    with app.test_request_context():
        response = send(LETTERS.file(name, mimetype="application/pdf"))
        response.direct_passthrough = False
        assert response.headers["Cache-Control"] == "private, no-store"
        assert f"filename={name}" in response.headers["Content-Disposition"]
        return response.get_data()


def leftovers() -> list[Path]:
    return [path for path in LETTERS.directory.rglob("*") if path.name.startswith(TEMPORARY_PREFIX)]


def test_a_file_is_not_there_until_it_is_complete(bare_app):
    with LETTERS.writing("brief-1.pdf") as file:
        file.write(b"%PDF-1.7 half")
        file.flush()
        assert not LETTERS.exists("brief-1.pdf")
        with pytest.raises(NotFound):
            served(bare_app, "brief-1.pdf")
        file.write(b" and the rest")
    assert served(bare_app, "brief-1.pdf") == b"%PDF-1.7 half and the rest"
    assert leftovers() == []


def test_a_writer_that_fails_leaves_no_temporary_file_and_the_earlier_file_stays(bare_app):
    LETTERS.store("brief-1.pdf", b"version 1")
    with pytest.raises(OSError):
        with LETTERS.writing("brief-1.pdf") as file:
            file.write(b"version 2, cut short")
            raise OSError("disk full")
    assert served(bare_app, "brief-1.pdf") == b"version 1"
    assert leftovers() == []


KILLED_WRITER = """
import sys, time
from flask import Flask
from webapp.core.storage import Area

app = Flask("writer")
app.config["STORAGE_DIR"] = sys.argv[1]
with app.app_context(), Area("letters").writing("brief-2.pdf") as file:
    file.write(b"%PDF-1.7 the first page of many")
    file.flush()
    print("writing", flush=True)
    time.sleep(600)
"""


def test_a_killed_writers_leftover_is_never_served_and_the_sweep_removes_it(bare_app):
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, bare_app.config["STORAGE_DIR"]],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "writing"
    finally:
        writer.kill()  # SIGKILL: no clean-up of any kind runs
        writer.wait()
    [leftover] = leftovers()
    assert leftover.read_bytes() == b"%PDF-1.7 the first page of many"
    assert not LETTERS.exists("brief-2.pdf")
    with pytest.raises(NotFound):
        served(bare_app, "brief-2.pdf")

    assert LETTERS.sweep() == 0  # as young as a live job's file: left alone
    an_hour_and_more = time.time() - 3700
    os.utime(leftover, (an_hour_and_more, an_hour_and_more))
    assert LETTERS.sweep() == 1
    assert leftovers() == []


def test_a_killed_jobs_directory_is_swept_too(bare_app):
    with pytest.raises(KeyboardInterrupt):
        with LETTERS.writing_directory("batch-1/part-0001") as work:
            (work / "a.pdf").write_bytes(b"a")
            raise KeyboardInterrupt  # the clean-up ran: nothing left
    assert leftovers() == []
    work = Path(LETTERS.directory / "batch-1" / f"{TEMPORARY_PREFIX}abc")  # what a SIGKILL leaves
    work.mkdir(parents=True)
    (work / "a.pdf").write_bytes(b"a")
    long_ago = time.time() - 7200
    os.utime(work, (long_ago, long_ago))
    assert LETTERS.sweep() == 1 and leftovers() == []


def test_a_directory_is_moved_into_place_once(bare_app):
    with LETTERS.writing_directory("batch-1/part-0001") as work:
        (work / "a.pdf").write_bytes(b"first")
    with pytest.raises(FileExistsError):
        with LETTERS.writing_directory("batch-1/part-0001") as work:
            (work / "a.pdf").write_bytes(b"second")
    assert (LETTERS.path("batch-1/part-0001") / "a.pdf").read_bytes() == b"first"
    assert leftovers() == []


def test_expired_files_are_deleted(bare_app):
    LETTERS.store("old.pdf", b"old")
    LETTERS.store("new.pdf", b"new")
    LETTERS.store("gone.pdf", b"gone")
    LETTERS.delete("gone.pdf")
    LETTERS.delete("gone.pdf")  # twice is fine
    eight_days_ago = time.time() - 8 * 24 * 3600
    os.utime(LETTERS.path("old.pdf"), (eight_days_ago, eight_days_ago))
    assert LETTERS.sweep(keep=timedelta(days=7)) == 1
    assert sorted(path.name for path in LETTERS.directory.iterdir()) == ["new.pdf"]
    with pytest.raises(NotFound):
        served(bare_app, "gone.pdf")


@pytest.mark.parametrize(
    "name", ["", ".partial-x", "a/.partial-x", "../outside.pdf", "a//b", "a\\b", "a\x00b", "/etc/passwd"]
)
def test_no_name_reaches_a_temporary_file_or_leaves_the_area(bare_app, name):
    with pytest.raises(ValueError):
        LETTERS.path(name)

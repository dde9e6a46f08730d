"""The archives on disk: a ZIP a killed worker left half-written is never downloaded and the periodic sweep
(`flask sweep`) removes it; a file that outlived its request goes too."""

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.passes.conftest import stored_request
from webapp.core.storage import TEMPORARY_PREFIX
from webapp.extensions import db
from webapp.passes import archive

ROOT = Path(__file__).resolve().parents[2]

KILLED_WHILE_ZIPPING = """
import sys, time, zipfile
from flask import Flask
from webapp.passes.archive import ARCHIVES

app = Flask("worker")
app.config["STORAGE_DIR"] = sys.argv[1]
with app.app_context(), ARCHIVES.writing(sys.argv[2]) as file, zipfile.ZipFile(file, "w") as zipped:
    zipped.writestr("73029884_Mevr._K.C._Knightley_Eerste_Hulp.pdf", b"%PDF-1.4 " * 10_000)
    file.flush()
    print("zipping", flush=True)
    time.sleep(600)
"""


def leftovers() -> list[Path]:
    return list(archive.ARCHIVES.directory.rglob(TEMPORARY_PREFIX + "*"))


def sweep(app) -> str:
    result = app.test_cli_runner().invoke(args=["sweep"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_zip_left_by_a_killed_worker_is_never_downloaded_and_is_swept(app, contact_client, world):
    request = stored_request(world.contact, world.roc, [world.holder_organisation(world.knightley)], status="building")
    worker = subprocess.Popen(
        [sys.executable, "-c", KILLED_WHILE_ZIPPING, app.config["STORAGE_DIR"], archive.archive_name(request.id)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout.readline().strip() == "zipping"
    finally:
        worker.kill()
        worker.wait()
    [leftover] = leftovers()
    assert leftover.stat().st_size > 0
    request.status = "available"  # even were the request to say so, the half-written ZIP is not its archive
    db.session.commit()
    assert contact_client.get(f"/pasjes/verzoeken/{request.id}/download").status_code == 404

    assert "0 achtergebleven" in sweep(app)  # as young as a running job's file: left alone
    assert leftovers() == [leftover]
    two_hours_ago = time.time() - 7200
    os.utime(leftover, (two_hours_ago, two_hours_ago))
    assert "1 achtergebleven" in sweep(app)
    assert leftovers() == []


def test_an_archive_that_outlived_its_request_is_swept(app, world):
    """A request goes with its user (ON DELETE CASCADE); its archive has no row left to expire it by."""
    archive.ARCHIVES.store(archive.archive_name(999), b"PK")
    archive.ARCHIVES.store(archive.archive_name(1000), b"PK")
    nine_days_ago = time.time() - 9 * 24 * 3600
    os.utime(archive.ARCHIVES.path(archive.archive_name(999)), (nine_days_ago, nine_days_ago))
    assert "1 achtergebleven" in sweep(app)
    assert not archive.ARCHIVES.exists(archive.archive_name(999))
    assert archive.ARCHIVES.exists(archive.archive_name(1000))  # a week at most: still a request's

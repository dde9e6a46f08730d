"""Files that jobs make (pass archives, letters): kept under STORAGE_DIR, served only after a check.

Each module keeps its files in an area of its own (`Area("passes")` is STORAGE_DIR/passes; the
directory may be a volume shared by the hosts that run web processes and workers). A file is
written under a temporary name beside its place and moved into place once complete (os.replace,
atomic within one file system), so a reader finds the whole file or none. A job killed mid-write
leaves only its temporary file, which is never served (a stored name never starts with a dot) and
which `sweep` removes once it is older than any job runs.

Serving: the module's service checks who may have a file and returns `area.file(name)`; the view
answers with `send(file)`. Expiry: the owner deletes a file when its record expires (`delete`), and
its periodic job calls `sweep(keep=...)`, which also removes what outlived its record.
"""

import contextlib
import errno
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from flask import Response, current_app, send_file

from webapp.core.errors import NotFound

TEMPORARY_PREFIX = ".partial-"
# A temporary file or directory untouched this long belongs to a job that is gone: RQ stops a job
# after its timeout (10 minutes), and a live writer keeps touching what it writes.
LEFTOVER_AGE = timedelta(hours=1)


@dataclass(frozen=True)
class StoredFile:
    """A complete file in an area, as a view sends it."""

    path: Path
    download_name: str
    mimetype: str


@dataclass(frozen=True)
class Area:
    """One module's files, in STORAGE_DIR/<name>. Names are relative paths of plain parts ("a.zip",
    "request-7/chunk-0001"); a part never starts with a dot, so no name reaches a temporary file."""

    name: str

    @property
    def directory(self) -> Path:
        path = Path(current_app.config["STORAGE_DIR"]) / self.name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def path(self, name: str) -> Path:
        parts = name.split("/")
        if any(not part or part.startswith(".") or "\\" in part or "\x00" in part for part in parts):
            raise ValueError(f"not a stored file's name: {name!r}")
        return self.directory.joinpath(*parts)

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    @contextlib.contextmanager
    def writing(self, name: str) -> Iterator[BinaryIO]:
        """A binary file to write `name` into: under a temporary name until the block ends, then moved
        into place; when the block raises, the temporary file goes and any earlier `name` stays."""
        target = self.path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, dir=target.parent)
        try:
            with os.fdopen(descriptor, "wb") as file:
                yield file
                file.flush()
                os.fsync(file.fileno())  # on disk before it is in place: a crash leaves no empty file there
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise

    def store(self, name: str, data: bytes) -> Path:
        with self.writing(name) as file:
            file.write(data)
        return self.path(name)

    @contextlib.contextmanager
    def writing_directory(self, name: str) -> Iterator[Path]:
        """A directory to fill for `name`, moved into place when the block ends. Raises FileExistsError
        (after removing the new one) when `name` is already there: another run made it first."""
        target = self.path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = tempfile.mkdtemp(prefix=TEMPORARY_PREFIX, dir=target.parent)
        try:
            yield Path(temporary)
            if target.exists():
                raise FileExistsError(errno.EEXIST, "already there", str(target))
            try:
                os.rename(temporary, target)
            except OSError as error:
                if error.errno in (errno.EEXIST, errno.ENOTEMPTY):
                    raise FileExistsError(errno.EEXIST, "already there", str(target)) from error
                raise
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise

    def file(
        self, name: str, *, download_name: str | None = None, mimetype: str = "application/octet-stream"
    ) -> StoredFile:
        """The complete file `name`, to send; NotFound when it is not there."""
        path = self.path(name)
        if not path.is_file():
            raise NotFound()
        return StoredFile(path, download_name or path.name, mimetype)

    def delete(self, name: str) -> None:
        """Remove the file or directory `name` (gone already is fine)."""
        _remove(self.path(name))

    def sweep(self, *, keep: timedelta | None = None, leftovers_after: timedelta = LEFTOVER_AGE) -> int:
        """Remove the temporary files and directories of jobs that are gone (untouched for
        `leftovers_after`) and, with `keep`, everything stored longer than that (what outlived its
        record, e.g. a request deleted with its user). Returns how many entries went."""
        now = time.time()
        removed = 0
        for path in list(self.directory.rglob(TEMPORARY_PREFIX + "*")):
            if _untouched_for(path, now) > leftovers_after.total_seconds():
                removed += _remove(path)
        if keep is not None:
            for path in list(self.directory.iterdir()):
                if not path.name.startswith(".") and _untouched_for(path, now) > keep.total_seconds():
                    removed += _remove(path)
        return removed


def send(file: StoredFile) -> Response:
    """The file as a download for the one user a service let have it: never kept by a shared cache."""
    try:
        response = send_file(
            file.path, mimetype=file.mimetype, as_attachment=True, download_name=file.download_name, max_age=0
        )
    except FileNotFoundError:  # deleted since the check (it expired just now)
        raise NotFound() from None
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _untouched_for(path: Path, now: float) -> float:
    try:
        return now - path.lstat().st_mtime
    except FileNotFoundError:
        return 0.0


def _remove(path: Path) -> int:
    """1 when something was removed, 0 when it was gone already."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except FileNotFoundError:
        return 0
    return 1

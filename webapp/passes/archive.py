"""Building a request's ZIP of PDF passes in the background, and keeping it (core.storage, area "passes").

With Redis, the request is cut into chunks; one build job per live worker claims chunks until none is
left (so several workers render one request at once), and the job that completes the last chunk zips
them. A final job, depending on the build jobs, finishes whatever a killed build job left. Without
Redis one in-process job does it all. A chunk is a directory and the archive a file that are written
under a temporary name and moved into place when complete, so a killed worker or a retry never leaves
a partial chunk or a partial ZIP that could be downloaded; the periodic `sweep_files` removes what a
killed worker left half-written.

Jobs take the request's id and commit at their end (core.jobs); the few commits inside them are
checkpoints that the requests page, polling, must see while the job still runs.
"""

import zipfile
from datetime import timedelta

from flask import current_app
from sqlalchemy import case, select, update
from sqlalchemy.orm import selectinload

from webapp.core.jobs import enqueue, will_retry, worker_count
from webapp.core.storage import Area
from webapp.core.timeutil import utcnow
from webapp.core.transactions import after_commit
from webapp.extensions import db
from webapp.passes.models import AVAILABLE_DAYS, Holder, PassRequest, PassRequestItem, Qualification
from webapp.passes.render import PassRenderer, pass_file_name

ARCHIVES = Area("passes")
CHUNK_SIZE = 25


def archive_name(request_id: int) -> str:
    return f"pdf-arch-request-{request_id}.zip"


def _work_folder(request_id: int) -> str:
    """Where the request's chunks and claims live while it is built (shared by every worker)."""
    return f"request-{request_id}"


def start_build(request_id: int) -> None:
    """Job, started once the request is committed: build it here (in process), or enqueue its build jobs.

    One build job per worker, each claiming chunks until none is left: a worker pays a job's set-up
    (the fork, a database connection) once per request instead of once per chunk, and a faster worker
    simply takes more chunks. The build job that completes the last chunk zips at once; the ZIP job,
    which depends on them all, only has work when that did not happen (a build job died).
    """
    if not current_app.config["REDIS_URL"]:
        build_all(request_id)
        return
    chunks = chunks_of(request_id)
    free_claims(request_id)
    builders = [
        enqueue(build_chunks, request_id, chunks, retries=1) for _ in range(min(len(chunks), max(1, worker_count())))
    ]
    enqueue(finish, request_id, chunks, depends_on=builders or None, retries=1)


def build_all(request_id: int) -> None:
    """The in-process runner: every chunk, then the ZIP."""
    chunks = chunks_of(request_id)
    for index, item_ids in enumerate(chunks):
        build_chunk(request_id, index, item_ids)
    finish(request_id, chunks)


def build_chunks(request_id: int, chunks: list[list[int]]) -> int:
    """Job: build every chunk no other job has claimed yet (several of these run at once on different
    workers); when all chunks are in, the first to claim the ZIP makes it. Returns the holders built."""
    request = db.session.get(PassRequest, request_id)
    if request is None or request.status in ("expired", "available"):
        return 0
    built = sum(
        build_chunk(request_id, index, item_ids)
        for index, item_ids in enumerate(chunks)
        if claim(request_id, f"{index:04d}")
    )
    if all(ARCHIVES.path(_chunk(request_id, index)).is_dir() for index in range(len(chunks))) and claim(
        request_id, "zip"
    ):
        finish(request_id, chunks)
    return built


def chunks_of(request_id: int) -> list[list[int]]:
    """The request's item ids, CHUNK_SIZE at a time."""
    item_ids = list(
        db.session.execute(
            select(PassRequestItem.id).where(PassRequestItem.request_id == request_id).order_by(PassRequestItem.id)
        ).scalars()
    )
    return [item_ids[i : i + CHUNK_SIZE] for i in range(0, len(item_ids), CHUNK_SIZE)]


def claim(request_id: int, step: str) -> bool:
    """Whether this job takes the step (a chunk's number, or "zip"): the first to create the step's claim
    folder (atomic) does. Once the request's work folder is gone (zipped, expired) nobody does."""
    try:
        ARCHIVES.path(f"{_work_folder(request_id)}/claim-{step}").mkdir()
        return True
    except OSError:
        return False


def free_claims(request_id: int) -> None:
    """The request's work folder, with no claims in it: on a retry, what the failed run claimed is free again."""
    folder = ARCHIVES.path(_work_folder(request_id))
    folder.mkdir(parents=True, exist_ok=True)
    for claimed in folder.glob("claim-*"):
        try:
            claimed.rmdir()
        except FileNotFoundError:
            pass  # the folder went meanwhile (a late job zipped)


def _chunk(request_id: int, index: int) -> str:
    return f"{_work_folder(request_id)}/chunk-{index:04d}"


def _failing(request_id: int, step):
    """Run the step; when it fails for good (no retry follows) the request becomes Mislukt."""
    try:
        return step()
    except Exception as error:
        db.session.rollback()
        if not will_retry():  # until then the user sees it being built, not Mislukt
            db.session.execute(
                update(PassRequest)
                .where(PassRequest.id == request_id, PassRequest.status != "expired")
                .values(status="failed", error=type(error).__name__[:200])
            )
            db.session.commit()  # the job fails (RQ records it), its request says so: kept past the rollback
        raise


def build_chunk(request_id: int, index: int, item_ids: list[int]) -> int:
    """Render the passes of these items into the request's chunk `index`; returns the holders built."""

    def step():
        request = db.session.get(PassRequest, request_id)
        if request is None or request.status in ("expired", "available"):
            return 0
        if ARCHIVES.path(_chunk(request_id, index)).is_dir():
            return 0  # done before (a retry): nothing to count again
        db.session.execute(
            update(PassRequest)
            .where(PassRequest.id == request_id)
            .values(
                status=case((PassRequest.status == "queued", "building"), else_=PassRequest.status), touched_at=utcnow()
            )
        )
        db.session.commit()  # checkpoint: the polling page shows "Wordt aangemaakt" while this chunk renders
        items = list(
            db.session.execute(
                select(PassRequestItem)
                .where(PassRequestItem.request_id == request_id, PassRequestItem.id.in_(item_ids))
                .order_by(PassRequestItem.id)
                .options(
                    selectinload(PassRequestItem.holder)
                    .selectinload(Holder.qualifications)
                    .selectinload(Qualification.modules)
                )
            ).scalars()
        )
        if len(items) != len(item_ids):
            return 0  # not this request's items (a job that outlived its request): leave the chunk to the ZIP job
        passes = [
            (item.holder, qualification, item.external_number)
            for item in items
            for qualification in chosen_qualifications(item.holder, request.options or {})
        ]
        try:
            with ARCHIVES.writing_directory(_chunk(request_id, index)) as work:
                names = set()
                for (holder, qualification, _), pdf in zip(passes, PassRenderer().render_many(passes), strict=True):
                    (work / unique_name(pass_file_name(holder, qualification), names)).write_bytes(pdf)
        except FileExistsError:
            return 0  # another run of this chunk got there first
        db.session.execute(
            update(PassRequest)
            .where(PassRequest.id == request_id)
            .values(progress_done=PassRequest.progress_done + len(items), touched_at=utcnow())
        )
        db.session.commit()  # checkpoint: the polling page shows the progress
        return len(items)

    return _failing(request_id, step)


def finish(request_id: int, chunks: list[list[int]]) -> None:
    """Job (and the last step of a build): zip the chunks into the request's archive, building any a dead
    build job left undone; the request is then available, and its work folder goes once that is committed."""

    def step():
        request = db.session.get(PassRequest, request_id)
        if request is None or request.status == "expired":
            return
        name = archive_name(request_id)
        if request.status == "available" and ARCHIVES.exists(name):
            return
        for index, item_ids in enumerate(chunks):
            build_chunk(request_id, index, item_ids)  # nothing to do for a chunk that is there
        with ARCHIVES.writing(name) as file, zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
            names = set()
            for index in range(len(chunks)):
                for path in sorted(ARCHIVES.path(_chunk(request_id, index)).iterdir()):
                    archive.write(path, arcname=unique_name(path.name, names))
        request.status, request.finished_at = "available", utcnow()
        request.progress_done = request.progress_total
        after_commit(ARCHIVES.delete, _work_folder(request_id))

    return _failing(request_id, step)


def delete_files(request_id: int) -> None:
    """The request's archive and work folder, gone (it expired). Runs after the commit."""
    ARCHIVES.delete(archive_name(request_id))
    ARCHIVES.delete(_work_folder(request_id))


def sweep_files() -> str:
    """Periodic: what killed workers left half-written, and files that outlived their request (a request
    goes with its user, and its file would stay): a day past the request's availability."""
    removed = ARCHIVES.sweep(keep=timedelta(days=AVAILABLE_DAYS + 1))
    return f"{removed} achtergebleven bestand(en) verwijderd"


def chosen_qualifications(holder: Holder, options: dict) -> list[Qualification]:
    """The holder's qualifications the options ask for: exam types (empty: all), expiry dates (empty: all)."""
    types = set(options.get("exam_types") or [])
    dates = set(options.get("expiry_dates") or [])
    chosen = []
    for qualification in sorted(holder.qualifications, key=lambda q: (q.parent_id is not None, q.name)):
        if types and qualification.exam_type_id not in types:
            continue
        if dates and (qualification.expires_on is None or qualification.expires_on.isoformat() not in dates):
            continue
        chosen.append(qualification)
    return chosen


def unique_name(name: str, taken: set) -> str:
    """name, or name with -2, -3 ... before the extension when taken (a ZIP entry per file); adds it to taken."""
    stem, dot, extension = name.rpartition(".")
    stem, extension = (stem, dot + extension) if dot else (name, "")
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{stem}-{number}{extension}"
    taken.add(candidate)
    return candidate

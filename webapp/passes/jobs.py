"""Building a request's ZIP of PDF passes in the background.

With Redis, the request is split into chunks; one build job per worker claims chunks until none is
left (so several workers render one request at once), and the job that completes the last chunk
zips them. A final job, depending on the build jobs, finishes whatever a killed build job left.
Without Redis one in-process job does it all. Every step writes elsewhere first and then moves its
result into place, so a killed worker or a retry never leaves a partial chunk or a partial ZIP
behind that could be downloaded.
"""
import contextlib
import io
import os
import re
import shutil
import tempfile
import zipfile

from flask import current_app
from sqlalchemy import case, select, update
from sqlalchemy.orm import selectinload

from webapp.core.timeutil import utcnow
from webapp.extensions import db
from webapp.passes.models import Holder, PassRequest, PassRequestItem, Qualification
from webapp.passes.services import first_per_holder

CHUNK_SIZE = 25


def preload() -> None:
    """Ready `flask worker` before it forks for each job: the heavy imports, SQLAlchemy's mapper set-up,
    and two throwaway passes so the lazy set-up (the compiled template, xhtml2pdf's fonts and default
    stylesheet, segno, pypdf) is done once here instead of in every work horse."""
    from datetime import date
    from types import SimpleNamespace

    from sqlalchemy.orm import configure_mappers

    configure_mappers()
    holder = SimpleNamespace(number="00000000", display_name="Voorbeeld")
    qualification = SimpleNamespace(name="Voorbeeld", kind_label="Diploma", modules=[], exam_date=date(2000, 1, 1),
                                    exam_number="", expires_on=date(2000, 1, 1), verify_token="voorbeeld")
    PassRenderer().render_many([(holder, qualification, "")] * 2)


def start_build(request_id: int) -> None:
    """Job, started once the request is committed: build it here (in process), or enqueue its build jobs on RQ.

    One build job per worker, each claiming chunks until none is left: a worker pays a job's set-up
    (the fork, a database connection) once per request instead of once per chunk, and a faster worker
    simply takes more chunks. The build job that completes the last chunk zips at once; the ZIP job,
    which depends on them all, only has work when that did not happen (a build job died).
    """
    from webapp.core.jobs import enqueue, worker_count

    if not current_app.config["REDIS_URL"]:
        build_all(request_id)
        return
    chunks = _chunks(request_id)
    _free_claims(request_id)
    builders = [enqueue(build_chunks, request_id, chunks, retries=1)
                for _ in range(min(len(chunks), max(1, worker_count())))]
    enqueue(finish, request_id, len(chunks), depends_on=builders or None, retries=1)


def build_all(request_id: int) -> None:
    """The in-process runner: every chunk, then the ZIP."""
    chunks = _chunks(request_id)
    for index, ids in enumerate(chunks):
        build_chunk(request_id, index, ids)
    finish(request_id, len(chunks))


def build_chunks(request_id: int, chunks: list[list[int]]) -> int:
    """Build every chunk no other job has claimed yet (several of these run at once on different workers);
    when all chunks are in, the first to claim the ZIP makes it."""
    request = db.session.get(PassRequest, request_id)
    if request is None or request.status in ("expired", "available"):
        return 0
    built = sum(build_chunk(request_id, index, ids) for index, ids in enumerate(chunks)
                if _claim(request_id, f"{index:04d}"))
    folder = _request_dir(request_id)
    if all((folder / f"chunk-{index:04d}").is_dir() for index in range(len(chunks))) and _claim(request_id, "zip"):
        finish(request_id, len(chunks))
    return built


def _chunks(request_id: int) -> list[list[int]]:
    item_ids = list(db.session.execute(
        select(PassRequestItem.id).where(PassRequestItem.request_id == request_id).order_by(PassRequestItem.id)
    ).scalars())
    return [item_ids[i:i + CHUNK_SIZE] for i in range(0, len(item_ids), CHUNK_SIZE)]


def _claim(request_id: int, name: str) -> bool:
    """Whether this job takes the step: the first to create its claim folder (atomic) does. Once the
    request's folder is gone (zipped, expired) nobody does."""
    try:
        (_request_dir(request_id) / f"claim-{name}").mkdir()
        return True
    except OSError:
        return False


def _free_claims(request_id: int) -> None:
    """The request's folder with no claims in it: on a retry, what the failed run claimed is free again."""
    folder = _request_dir(request_id)
    folder.mkdir(parents=True, exist_ok=True)
    for claim in folder.glob("claim-*"):
        with contextlib.suppress(FileNotFoundError):  # the folder went meanwhile (a late job zipped)
            claim.rmdir()


def _request_dir(request_id: int):
    from webapp.passes.services import storage_dir

    return storage_dir() / f"request-{request_id}"


def _failing(request_id: int, step):
    """Run the step; when it fails for good (no retry follows) the request becomes Mislukt."""
    from webapp.core.jobs import will_retry

    try:
        return step()
    except Exception as error:
        db.session.rollback()
        if not will_retry():  # until then the user sees it being built, not Mislukt
            db.session.execute(update(PassRequest).where(PassRequest.id == request_id, PassRequest.status != "expired")
                               .values(status="failed", error=type(error).__name__[:200]))
            db.session.commit()
        raise


def build_chunk(request_id: int, index: int, item_ids: list[int]) -> int:
    """Render the passes of these items into request-<id>/chunk-<index>/ (moved into place when complete)."""
    def step():
        request = db.session.get(PassRequest, request_id)
        if request is None or request.status in ("expired", "available"):
            return 0
        target = _request_dir(request_id) / f"chunk-{index:04d}"
        if target.is_dir():
            return 0  # done before (a retry): nothing to count again
        db.session.execute(update(PassRequest).where(PassRequest.id == request_id).values(
            status=case((PassRequest.status == "queued", "building"), else_=PassRequest.status), touched_at=utcnow()))
        db.session.commit()
        rows = list(db.session.execute(
            select(PassRequestItem).where(PassRequestItem.request_id == request_id, PassRequestItem.id.in_(item_ids))
            .order_by(PassRequestItem.id)
            .options(selectinload(PassRequestItem.holder).selectinload(Holder.qualifications)
                     .selectinload(Qualification.modules))).scalars())
        if len(rows) != len(item_ids):
            return 0  # not this request's items (a job that outlived its request): leave the chunk to the ZIP job
        items = first_per_holder(rows)  # each holder once, also in requests stored before the unique constraint
        passes = [(item.holder, qualification, item.external_number) for item in items
                  for qualification in chosen_qualifications(item.holder, request.options or {})]
        target.parent.mkdir(parents=True, exist_ok=True)
        work = tempfile.mkdtemp(prefix=f".chunk-{index:04d}-", dir=target.parent)
        names = set()
        for (holder, qualification, _), pdf in zip(passes, PassRenderer().render_many(passes)):
            with open(os.path.join(work, unique_name(pass_file_name(holder, qualification), names)), "wb") as file:
                file.write(pdf)
        try:
            os.rename(work, target)
        except OSError:
            shutil.rmtree(work, ignore_errors=True)  # another run of this chunk got there first
            return 0
        db.session.execute(update(PassRequest).where(PassRequest.id == request_id)
                           .values(progress_done=PassRequest.progress_done + len(items), touched_at=utcnow()))
        db.session.commit()
        return len(items)

    return _failing(request_id, step)


def finish(request_id: int, chunk_count: int) -> str:
    """Zip every chunk into pdf-arch-request-<id>.zip via a temporary file; mark the request available."""
    def step():
        from webapp.passes.services import archive_path

        request = db.session.get(PassRequest, request_id)
        if request is None or request.status == "expired":
            return ""
        final = archive_path(request)
        if request.status == "available" and final.is_file():
            return str(final)
        folder = _request_dir(request_id)
        chunks = [folder / f"chunk-{i:04d}" for i in range(chunk_count)]
        if not all(chunk.is_dir() for chunk in chunks):
            # a build job died with a chunk claimed: build what is left here
            for index, ids in enumerate(_chunks(request_id)):
                build_chunk(request_id, index, ids)
        descriptor, temporary = tempfile.mkstemp(prefix=".zip-", dir=final.parent)
        try:
            with os.fdopen(descriptor, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
                names = set()
                for chunk in chunks:
                    for name in sorted(os.listdir(chunk)):
                        archive.write(chunk / name, arcname=unique_name(name, names))
            os.replace(temporary, final)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
        request.status, request.finished_at = "available", utcnow()
        request.progress_done = request.progress_total
        db.session.commit()
        shutil.rmtree(folder, ignore_errors=True)
        return str(final)

    return _failing(request_id, step)


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


def pass_file_name(holder: Holder, qualification: Qualification) -> str:
    text = f"{holder.number} {holder.display_name} {qualification.name}"
    return re.sub(r"[^\w.\- ]+", "", text).strip().replace(" ", "_")[:150] + ".pdf"


def verification_url(qualification: Qualification) -> str:
    return f"{current_app.config['PUBLIC_URL']}/pasjes/verificatie/{qualification.verify_token}"


# The pass's page and the square its QR code is drawn in (mm: left, top, size); the template's
# frames keep the text out of that square.
PAGE_MM = (105, 74)
QR_BOX_MM = (79, 4, 22)
_MM = 72 / 25.4


def qr_operators(url: str, box_mm=QR_BOX_MM, page_mm=PAGE_MM) -> bytes:
    """The QR code as PDF path operators: one rectangle per run of dark modules in a row, one fill.

    Vector, so there is no PNG to encode and decode (that cost as much as the text layout). A fixed
    mask skips segno's evaluation of all eight (4x faster); any mask is valid.
    """
    import segno

    matrix = segno.make(url, error="m", micro=False, mask=0).matrix
    size = len(matrix)
    left, top, width = box_mm
    module = width * _MM / size
    bottom = (page_mm[1] - top - width) * _MM
    ops = [f"q 0 g {module:.5f} 0 0 {module:.5f} {left * _MM:.3f} {bottom:.3f} cm"]
    for y, row in enumerate(matrix):
        row_y = size - 1 - y
        ops.extend(f"{run.start()} {row_y} {run.end() - run.start()} 1 re" for run in _DARK_RUN.finditer(bytes(row)))
    ops.append("f Q")
    return "\n".join(ops).encode()


_DARK_RUN = re.compile(b"[\x01-\xff]+")


class PassRenderer:
    """Renders passes with xhtml2pdf; the template is compiled once per renderer.

    `render_many` lays out a whole batch in ONE pisa call (the stylesheet is parsed once, the
    fonts set up once: about 3x faster than a call per pass) and splits the pages with pypdf,
    drawing each pass's QR code onto its page on the way; should a pass not come out as exactly
    one page, the batch falls back to one call per pass.
    """

    def __init__(self):
        from xhtml2pdf import pisa

        self._pisa = pisa
        self._template = current_app.jinja_env.get_template("passes/pass_pdf.html")

    def _pdf(self, passes: list[dict]) -> bytes:
        output = io.BytesIO()
        html = self._template.render(passes=passes, page_mm=PAGE_MM, qr_box=QR_BOX_MM)
        result = self._pisa.CreatePDF(html, dest=output, encoding="utf-8", link_callback=_data_only)
        if result.err:
            raise RuntimeError("PDF rendering failed")
        return output.getvalue()

    @staticmethod
    def _context(holder, qualification, external_number: str = "") -> dict:
        return dict(holder=holder, qualification=qualification, external_number=external_number,
                    url=verification_url(qualification))

    def render(self, holder: Holder, qualification: Qualification, external_number: str = "") -> bytes:
        return self.render_many([(holder, qualification, external_number)])[0]

    def render_many(self, items: list[tuple]) -> list[bytes]:
        """(holder, qualification, external_number) triples -> one PDF each (one page), in order."""
        from pypdf import PdfReader

        contexts = [self._context(*item) for item in items]
        if not contexts:
            return []
        pages = PdfReader(io.BytesIO(self._pdf(contexts))).pages
        if len(pages) == len(contexts):
            return [_with_qr([page], context["url"]) for page, context in zip(pages, contexts)]
        return [_with_qr(PdfReader(io.BytesIO(self._pdf([context]))).pages, context["url"]) for context in contexts]


def _with_qr(pages, url: str) -> bytes:
    """A PDF of these pages with the QR code drawn on the first (its drawing state saved around the page's own)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for page in pages:
        writer.add_page(page)
    contents = writer.pages[0].get_contents()
    contents.set_data(b"q\n" + contents.get_data() + b"\nQ\n" + qr_operators(url))
    writer.pages[0].replace_contents(contents)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _data_only(uri, rel):
    return uri if uri.startswith("data:") else ""


def sweep() -> str:
    from webapp.passes.services import expire_requests, fail_stuck_requests

    return f"{expire_requests()} verzoek(en) verlopen, {fail_stuck_requests()} vastgelopen verzoek(en) op Mislukt gezet"

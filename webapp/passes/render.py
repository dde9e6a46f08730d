"""The digital pass as a PDF: laid out from a template by xhtml2pdf (core.pdf, images and stylesheets
only from data: URIs or the portal's own files), its QR code drawn onto the page as vector paths."""

import base64
import functools
import io
import logging
import re
from dataclasses import dataclass

from flask import current_app

from webapp.core.pdf import html_to_pdf

# The pass's page and the square its QR code is drawn in (mm: left, top, size); the template's
# frames keep the text out of that square.
PAGE_MM = (105, 74)
QR_BOX_MM = (79, 4, 22)
_MM = 72 / 25.4
_DARK_RUN = re.compile(b"[\x01-\xff]+")
_IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Issuer:
    """Who issues the passes (PASS_ISSUER_NAME) and their logo as a data: URI ("" without one)."""

    name: str
    logo: str


def issuer() -> Issuer:
    return Issuer(current_app.config["PASS_ISSUER_NAME"], _logo_data_uri(current_app.config["PASS_ISSUER_LOGO"]))


@functools.lru_cache(maxsize=8)
def _logo_data_uri(path: str | None) -> str:
    """The logo file as a data: URI, read once: the PDF renderer fetches nothing, and the page's CSP allows
    data: images. A file that is missing or not a PNG or JPEG is left out (with a warning), not the pass."""
    if not path:
        return ""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as error:
        log.warning("PASS_ISSUER_LOGO %s cannot be read (%s): passes show no logo", path, error)
        return ""
    mimetype = next((kind for magic, kind in _IMAGE_TYPES.items() if data.startswith(magic)), None)
    if mimetype is None:
        log.warning("PASS_ISSUER_LOGO %s is not a PNG or JPEG file: passes show no logo", path)
        return ""
    return f"data:{mimetype};base64,{base64.b64encode(data).decode()}"


def verification_url(qualification) -> str:
    return f"{current_app.config['PUBLIC_URL']}/pasjes/verificatie/{qualification.verify_token}"


def pass_file_name(holder, qualification) -> str:
    """The pass's name in the archive: number, name and qualification, as the manual has them."""
    text = f"{holder.number} {holder.display_name} {qualification.name}"
    return re.sub(r"[^\w.\- ]+", "", text).strip().replace(" ", "_")[:150] + ".pdf"


def qr_operators(url: str, box_mm=QR_BOX_MM, page_mm=PAGE_MM) -> bytes:
    """The QR code as PDF path operators: one rectangle per run of dark modules in a row, one fill.

    Vector, so there is no image to encode and decode; a fixed mask spares segno the evaluation of all
    eight (any mask is valid).
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


class PassRenderer:
    """Renders passes; the template is compiled once per renderer.

    `render_many` lays out a whole batch in one xhtml2pdf call (the stylesheet parsed once, the fonts set
    up once) and splits the pages with pypdf, drawing each pass's QR code onto its page on the way;
    should a pass not come out as exactly one page, the batch falls back to one call per pass.
    """

    def __init__(self):
        self._template = current_app.jinja_env.get_template("passes/pass_pdf.html")
        self._issuer = issuer()

    def render(self, holder, qualification, external_number: str = "") -> bytes:
        return self.render_many([(holder, qualification, external_number)])[0]

    def render_many(self, items: list[tuple]) -> list[bytes]:
        """(holder, qualification, external_number) triples -> one PDF each (one page), in order."""
        from pypdf import PdfReader

        passes = [
            dict(
                holder=holder,
                qualification=qualification,
                external_number=external_number,
                url=verification_url(qualification),
            )
            for holder, qualification, external_number in items
        ]
        if not passes:
            return []
        pages = PdfReader(io.BytesIO(self._pdf(passes))).pages
        if len(pages) == len(passes):
            return [_with_qr([page], each["url"]) for page, each in zip(pages, passes, strict=True)]
        return [_with_qr(PdfReader(io.BytesIO(self._pdf([each]))).pages, each["url"]) for each in passes]

    def _pdf(self, passes: list[dict]) -> bytes:
        return html_to_pdf(self._template.render(passes=passes, page_mm=PAGE_MM, qr_box=QR_BOX_MM, issuer=self._issuer))


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


def preload() -> None:
    """Ready `flask worker` before it forks for each job: the heavy imports, SQLAlchemy's mapper set-up,
    and two throwaway passes, so the lazy set-up (the compiled template, xhtml2pdf's fonts and default
    stylesheet, segno, pypdf) is done once here instead of in every work horse."""
    from datetime import date
    from types import SimpleNamespace

    from sqlalchemy.orm import configure_mappers

    configure_mappers()
    holder = SimpleNamespace(number="00000000", display_name="Voorbeeld")
    qualification = SimpleNamespace(
        name="Voorbeeld",
        kind_label="Diploma",
        modules=[],
        exam_date=date(2000, 1, 1),
        exam_number="",
        expires_on=date(2000, 1, 1),
        verify_token="voorbeeld",
    )
    PassRenderer().render_many([(holder, qualification, "")] * 2)

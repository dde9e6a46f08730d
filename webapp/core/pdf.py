"""PDF documents from HTML templates, with xhtml2pdf, never fetching anything over the network.

A PDF embeds its fonts: its template's stylesheet includes "pdf_fonts.css" and sets `font-family: "DejaVu Sans"`
(the font ships in static/fonts). A built-in font such as Helvetica is never embedded, so a viewer draws it with
whatever font it has, wider or narrower than the one the page was laid out with.
"""

import io
from pathlib import Path

from flask import Response, current_app, render_template


def render_pdf(template: str, **context) -> bytes:
    return html_to_pdf(render_template(template, **context))


def html_to_pdf(html: str) -> bytes:
    """The PDF xhtml2pdf lays out from this HTML; images and stylesheets only from /static/ or data: URIs."""
    from xhtml2pdf import pisa  # heavy import; load it where PDFs are made

    output = io.BytesIO()
    result = pisa.CreatePDF(html, dest=output, encoding="utf-8", link_callback=_local_only)
    if result.err:
        raise RuntimeError("PDF rendering failed")
    return _without_idle_fonts(output.getvalue())


def _without_idle_fonts(data: bytes) -> bytes:
    """The PDF without the fonts it selects but never draws with: ReportLab selects Helvetica at the top of
    each page and of each table, so a document drawn wholly in an embedded font still listed a font that is not.
    A PDF that embeds no font is left as it is (nothing to gain, and reading it back costs time)."""
    if b"/FontFile" not in data:
        return data
    from pypdf import PdfReader, PdfWriter
    from xhtml2pdf.builders.preflight import drop_idle_fonts

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    if not drop_idle_fonts(writer):
        return data
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _local_only(uri: str, rel: str) -> str:
    """Resolve /static/... to files on disk; refuse everything else (no network at run time)."""
    if uri.startswith("data:"):
        return uri
    static = Path(current_app.static_folder).resolve()
    if uri.startswith("/static/"):
        path = (static / uri[len("/static/") :]).resolve()
        if path.is_relative_to(static) and path.is_file():
            return str(path)
    return ""


def pdf_response(data: bytes, filename: str) -> Response:
    """A PDF shown in the browser (saved under `filename`), never kept by a shared cache."""
    response = Response(data, mimetype="application/pdf")
    response.headers.set("Content-Disposition", "inline", filename=filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response

"""PDF documents from HTML templates, with xhtml2pdf, never fetching anything over the network."""

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

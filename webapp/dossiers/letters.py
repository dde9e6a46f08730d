"""The printed letter with a student's activation code: A4, one letter per page (core.pdf, fonts embedded)."""

from webapp.core.pdf import render_pdf


def render_letters(letters) -> bytes:
    """One PDF, each letter (codes.Letter) on a page of its own."""
    return render_pdf("dossiers/codes/letter_pdf.html", letters=list(letters))

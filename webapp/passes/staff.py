"""Staff pages of digital passes: the issuer imports qualification holders."""

from flask import Response, abort, current_app, flash, redirect, request, url_for

from webapp.core.htmx import render
from webapp.core.staff import staff_blueprint
from webapp.passes import demo, importer

bp = staff_blueprint("passes_staff", __name__, "/pasjes")


@bp.route("/import", methods=["GET", "POST"])
def import_csv():
    report = None
    if request.method == "POST":
        upload = request.files.get("bestand")
        if upload is None or not upload.filename:
            report = importer.ImportReport(errors=[(0, "Kies een CSV-bestand.")])
        else:
            report = importer.import_file(upload.stream)
    return render(
        "passes/staff/import.html",
        report=report,
        columns=importer.CSV_COLUMNS,
        offer_demo=current_app.config["DEBUG_PAGES"],
        status=400 if report and report.errors and not report.imported else 200,
    )


@bp.get("/import/sjabloon.csv")
def import_template():
    return Response(
        importer.template_csv(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": "attachment; filename=kwalificatiehouders-sjabloon.csv",
            "Cache-Control": "no-store",
        },
    )


@bp.post("/demo")
def load_demo():
    """Developer installs only (DEBUG_PAGES): demo holders must never mix with a real register."""
    if not current_app.config["DEBUG_PAGES"]:
        abort(404)
    for line in demo.load_demo():
        flash(line, "success")
    return redirect(url_for("passes_staff.import_csv"), code=303)

"""Staff pages of the dossiers: the receiving colleges (whether each takes part in the DDD) and the import of their
programmes."""

from flask import Response, flash, request, url_for

from webapp.core.htmx import redirect_after_post, render
from webapp.core.staff import staff_blueprint
from webapp.dossiers import catalogue

bp = staff_blueprint("dossiers_staff", __name__, "/doorstroomdossier")


@bp.get("/")
def colleges():
    return render("dossiers/staff/colleges.html", colleges=catalogue.colleges(), counts=catalogue.programme_counts())


@bp.get("/instellingen/<int:organisation_id>")
def college(organisation_id):
    return render("dossiers/staff/college.html", college=catalogue.get_college(organisation_id))


@bp.post("/instellingen/<int:organisation_id>/deelname")
def set_takes_part(organisation_id):
    takes_part = request.form.get("deelname") == "ja"
    found = catalogue.set_takes_part(organisation_id, takes_part)
    flash(
        f"{found.organisation.name} neemt {'wel' if takes_part else 'niet'} deel aan het Digitaal Doorstroomdossier.",
        "success",
    )
    back = request.form.get("terug") == "instelling"
    return redirect_after_post(
        url_for("dossiers_staff.college", organisation_id=organisation_id)
        if back
        else url_for("dossiers_staff.colleges")
    )


@bp.route("/opleidingen/importeren", methods=["GET", "POST"])
def import_programmes():
    report = None
    if request.method == "POST":
        upload = request.files.get("bestand")
        if upload is None or not upload.filename:
            report = catalogue.CatalogueReport(errors=[(0, "Kies een CSV-bestand.")], refused_file=True)
        else:
            report = catalogue.import_file(upload.stream)
    return render(
        "dossiers/staff/import.html",
        report=report,
        columns=catalogue.COLUMNS,
        status=400 if report and report.refused_file else 200,
    )


@bp.get("/opleidingen/sjabloon.csv")
def import_template():
    return Response(
        "\ufeff" + catalogue.template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=opleidingen-sjabloon.csv", "Cache-Control": "no-store"},
    )

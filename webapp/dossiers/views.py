"""The Digitaal Doorstroomdossier's front door: each visitor to the page they work on."""

from flask import Blueprint, current_app, redirect, url_for

from webapp.core.htmx import render
from webapp.dossiers.actors import current_student, school_staff

bp = Blueprint("dossiers", __name__, url_prefix="/doorstroomdossier")
STUDENT_START = "dossiers_student.start"


@bp.get("/")
def index():
    if school_staff() is not None:
        return redirect(url_for("dossiers_school.index"))
    if current_student() is not None and "dossiers_student.home" in current_app.view_functions:
        return redirect(url_for("dossiers_student.home"))
    if STUDENT_START in current_app.view_functions:
        return redirect(url_for(STUDENT_START))
    # the student's pages are another part of the module: until they are installed, what the DDD is
    return render("dossiers/start.html")

"""The Digitaal Doorstroomdossier's front door: each visitor to the page they work on."""

from flask import Blueprint, redirect, url_for

from webapp.dossiers.actors import college_staff, current_student, school_staff

bp = Blueprint("dossiers", __name__, url_prefix="/doorstroomdossier")


@bp.get("/")
def index():
    if school_staff() is not None:
        return redirect(url_for("dossiers_school.index"))
    if college_staff() is not None:
        return redirect(url_for("dossiers_college.index"))
    if current_student() is not None:
        return redirect(url_for("dossiers_student.home"))
    return redirect(url_for("dossiers_student.start"))

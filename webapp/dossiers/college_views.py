"""The receiving college's pages: its finished dossiers (search, filters, pages), one dossier as a page and as one
PDF. Thin: the rules are in college.py."""

from flask import Blueprint, g, request, url_for

from webapp.core.htmx import render
from webapp.core.pdf import pdf_response
from webapp.dossiers import college, college_forms
from webapp.dossiers.actors import college_staff_required

bp = Blueprint("dossiers_college", __name__, url_prefix="/doorstroomdossier/vervolgopleiding")


@bp.get("/")
@college_staff_required
def index():
    filters = college_forms.list_filters(request.args)
    page = college.dossier_list(g.college_staff, filters)
    list_args = lambda **changes: college_forms.list_args(page.filters, **changes)  # noqa: E731
    return render(
        "dossiers/college/index.html",
        "list",
        oob=("result_count",),
        staff=g.college_staff,
        page=page,
        filters=page.filters,
        programmes=college.programmes(g.college_staff),
        schools=college.schools(),
        list_args=list_args,
        push_url=url_for("dossiers_college.index", **list_args()),
    )


@bp.get("/dossiers/<int:dossier_id>")
@college_staff_required
def dossier(dossier_id):
    found = college.view(g.college_staff, dossier_id, "page")
    return render(
        "dossiers/college/dossier.html",
        staff=g.college_staff,
        dossier=found,
        parts=college.shown(found),
        opp=college.flag_answer(found.warm_handover),
        contact=college.flag_answer(found.further_contact),
        approvals=college.approvals(found),
    )


@bp.get("/dossiers/<int:dossier_id>/pdf")
@college_staff_required
def dossier_pdf(dossier_id):
    found = college.view(g.college_staff, dossier_id, "pdf")
    return pdf_response(college.pdf(found), f"doorstroomdossier-{found.id}.pdf")

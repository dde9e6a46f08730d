"""Part B's pages for the school's counsellors and the mentors of the student's class: the overview (the student part
and the dossier part as task lists, with the header the manual shows and "Deel A bekijken"), a section's page (each
field saves itself; "Opslaan en sluiten" saves the whole section without JavaScript), check answers with the mentor's
own approval and "Opsturen naar leerling". The same pages fill the student part of a student ahead of a dossier in
part B (manual 3.4). Thin: the rules are in part_b.py, the fields in formdef.py."""

from flask import Blueprint, flash, g, request, url_for

from webapp.core.errors import DomainError, NotFound
from webapp.core.htmx import redirect_after_post, render
from webapp.core.pdf import pdf_response
from webapp.dossiers import document, filling, filling_views, formdef, part_b, states
from webapp.dossiers.actors import school_staff_required
from webapp.dossiers.filling_views import SECTION_TEMPLATE, Pages

bp = Blueprint("dossiers_part_b", __name__, url_prefix="/doorstroomdossier/school")

OPEN_NOTE = 'Velden met "(niet verplicht)" mag u leeg laten. Elk veld wordt opgeslagen zodra u het verlaat.'


def _dossier_sheet(dossier_id: int) -> part_b.Sheet:
    return part_b.for_dossier(g.staff, dossier_id)


def _pages(sheet: part_b.Sheet) -> Pages:
    if sheet.dossier is None:
        args = {"student_id": sheet.student.id}
        return Pages(
            "Deel B",
            url_for("dossiers_part_b.student_overview", **args),
            "dossiers_part_b.student_section",
            "dossiers_part_b.student_save_field",
            args,
            open_note=OPEN_NOTE,
        )
    args = {"dossier_id": sheet.dossier.id}
    label = states.STATES[sheet.dossier.state].label.lower()
    return Pages(
        "Deel B",
        url_for("dossiers_part_b.overview", **args),
        "dossiers_part_b.section",
        "dossiers_part_b.save_field",
        args,
        open_note=OPEN_NOTE,
        closed_note=f"Het dossier heeft de status {label}: deel B kan nu niet worden gewijzigd.",
    )


def _context(sheet: part_b.Sheet, given=None) -> dict:
    given = part_b.answers(sheet) if given is None else given
    dossier = sheet.dossier
    return {
        "sheet": sheet,
        "student": sheet.student,
        "dossier": dossier,
        "programme": dossier.programme if dossier else None,
        "college": dossier.programme.college if dossier else None,
        "state_label": states.STATES[dossier.state].label if dossier else "",
        "open": sheet.is_open,
        "given": given,
        "section_states": part_b.section_states(sheet, given),
        "progress": part_b.progress(sheet, given),
        "groups": formdef.Form(sheet.sections).groups(),
        "formdef": formdef,
        "shown": filling.shown,
        "pages": _pages(sheet),
        "part_b_dossiers": part_b.dossiers_in_part_b(g.staff, sheet.student) if dossier is None else [],
        "part_a_viewable": dossier is not None and dossier.state not in states.PART_A_OPEN,
        "stage": _stage(dossier),
    }


def _stage(dossier) -> str:
    """Where the dossier is for part B: "early" (before part B), "open" or "sent"."""
    if dossier is None or dossier.state in states.PART_B_OPEN:
        return "open"
    return "sent" if dossier.state in states.PART_B_SENT else "early"


# ---------------------------------------------------------------- one set of pages for a dossier and for a student


def _overview(sheet):
    return render("dossiers/part_b/overview.html", **_context(sheet))


def _section_page(sheet, section, *, values=None, problems=None, status=200):
    context = _context(sheet)
    return render(
        SECTION_TEMPLATE,
        section=section,
        section_state=filling.section_state(section, context["given"]),
        values=values if values is not None else context["given"],
        problems=problems or {},
        status=status,
        **context,
    )


def _section(sheet, section_key):
    section = sheet.section(section_key)
    if request.method == "GET":
        return _section_page(sheet, section)
    return filling_views.save_section(
        section,
        lambda: part_b.save_section(sheet, section, request.form),
        lambda: part_b.answers(sheet),
        lambda **shown: _section_page(sheet, section, **shown),
        _pages(sheet).overview_url,
    )


def _save_field(sheet, section_key, field_key):
    section = sheet.section(section_key)
    field = sheet.field(section, field_key)
    return filling_views.autosave(
        _pages(sheet),
        section,
        field,
        lambda: part_b.save_field(sheet, section, field_key, request.form),
        lambda: sheet.is_open,
        lambda: part_b.answers(sheet),
        lambda given: part_b.progress(sheet, given),
        dossier=sheet.dossier,
    )


# ---------------------------------------------------------------- a dossier's part B


@bp.get("/dossiers/<int:dossier_id>/deel-b", endpoint="overview")
@school_staff_required
def overview(dossier_id):
    return _overview(_dossier_sheet(dossier_id))


@bp.route("/dossiers/<int:dossier_id>/deel-b/<section_key>", methods=["GET", "POST"], endpoint="section")
@school_staff_required
def section(dossier_id, section_key):
    return _section(_dossier_sheet(dossier_id), section_key)


@bp.post("/dossiers/<int:dossier_id>/deel-b/<section_key>/veld/<field_key>", endpoint="save_field")
@school_staff_required
def save_field(dossier_id, section_key, field_key):
    return _save_field(_dossier_sheet(dossier_id), section_key, field_key)


@bp.get("/dossiers/<int:dossier_id>/deel-b/controleren", endpoint="check")
@school_staff_required
def check(dossier_id):
    return _check_page(_dossier_sheet(dossier_id))


def _check_page(sheet, *, error=None, status=200):
    return render("dossiers/part_b/check.html", error=error, status=status, **_context(sheet))


@bp.post("/dossiers/<int:dossier_id>/deel-b/opsturen", endpoint="send")
@school_staff_required
def send(dossier_id):
    sheet = _dossier_sheet(dossier_id)
    try:
        part_b.send_to_student(sheet, g.staff, request.form.get("akkoord") == "ja")
    except DomainError as refused:
        return _check_page(sheet, error=refused.message, status=409)
    flash(
        f"Deel B is opgestuurd naar {sheet.student.name}. De leerling kan nu de akkoordverklaring invullen.", "success"
    )
    return redirect_after_post(url_for("dossiers_part_b.overview", dossier_id=dossier_id))


@bp.get("/dossiers/<int:dossier_id>/deel-a.pdf", endpoint="part_a_pdf")
@school_staff_required
def part_a_pdf(dossier_id):
    """Deel A bekijken: part A as a PDF, shown in the browser (to print or save), once the student has sent it."""
    sheet = _dossier_sheet(dossier_id)
    if sheet.dossier.state in states.PART_A_OPEN:
        raise NotFound()
    return pdf_response(document.pdf(sheet.dossier, ("A",)), f"deel-a-{sheet.dossier.id}.pdf")


# ---------------------------------------------------------------- the student part, started early (manual 3.4)


@bp.get("/leerlingen/<int:student_id>/deel-b", endpoint="student_overview")
@school_staff_required
def student_overview(student_id):
    return _overview(part_b.for_student(g.staff, student_id))


@bp.route("/leerlingen/<int:student_id>/deel-b/<section_key>", methods=["GET", "POST"], endpoint="student_section")
@school_staff_required
def student_section(student_id, section_key):
    return _section(part_b.for_student(g.staff, student_id), section_key)


@bp.post("/leerlingen/<int:student_id>/deel-b/<section_key>/veld/<field_key>", endpoint="student_save_field")
@school_staff_required
def student_save_field(student_id, section_key, field_key):
    return _save_field(part_b.for_student(g.staff, student_id), section_key, field_key)

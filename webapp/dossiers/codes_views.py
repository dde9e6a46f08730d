"""Activatiecodes (manual 004, 1.1 and 1.2): the school's staff hand students their codes, one by one or in bulk,
by mail or as printed letters."""

from flask import Blueprint, flash, g, redirect, request, url_for
from sqlalchemy import func, select

from webapp.core.errors import DomainError
from webapp.core.htmx import redirect_after_post, render
from webapp.core.ids import whole_number
from webapp.core.paging import PAGE_SIZE, BoundedPage, page_count
from webapp.core.pdf import pdf_response
from webapp.core.storage import send
from webapp.dossiers import bulk as bulk_service
from webapp.dossiers import codes
from webapp.dossiers.actors import school_staff_required
from webapp.dossiers.models import Student
from webapp.extensions import db

bp = Blueprint("dossiers_codes", __name__, url_prefix="/doorstroomdossier/school/activatiecodes")


def _page_number() -> int:
    return min(whole_number(request.args.get("pagina")) or 1, 10_000)


@bp.get("/")
@school_staff_required
def index():
    staff = g.staff
    students = codes.visible_students(staff).subquery()
    total = db.session.scalar(select(func.count()).select_from(students))
    pages = page_count(total)
    number = min(_page_number(), pages)
    rows = list(
        db.session.scalars(
            codes.visible_students(staff)
            .order_by(Student.year, Student.class_id, Student.sort_name, Student.id)
            .limit(PAGE_SIZE)
            .offset((number - 1) * PAGE_SIZE)
        )
    )
    return render(
        "dossiers/codes/index.html",
        page=BoundedPage(rows, total, number, pages, None),
        statuses=codes.code_statuses([row.id for row in rows]),
        classes=codes.classes_of(staff),
        years=sorted({klass.year for klass in codes.classes_of(staff)}),
        bulks=bulk_service.recent(staff),
        no_email=codes.NO_EMAIL,
        list_args=lambda **changes: {"pagina": changes.get("pagina")},
    )


@bp.post("/leerlingen/<int:student_id>")
@school_staff_required
def hand_out(student_id):
    """Per e-mail versturen / Brief printen for one student: when the student has a code that still works, a page
    asks first (the old code stops working); then the mail is queued, or the letter's PDF comes back."""
    staff = g.staff
    student = codes.student_for(staff, student_id)
    method = request.form.get("method", "")
    status = codes.code_status(student)
    can_mail = method != "mail" or bool(student.email)
    if status.live and can_mail and request.form.get("bevestigd") != "1" and method in codes.METHODS:
        return render(
            "confirm.html",
            question=f"Nieuwe activatiecode voor {student.name}?",
            explanation=(
                f"{student.name} heeft al een code ({status.method_label}, {status.handed_out_at.strftime('%d-%m-%Y')})"
                " die nog niet is gebruikt. Met een nieuwe code werkt de oude niet meer."
            ),
            action=url_for("dossiers_codes.hand_out", student_id=student.id),
            button="Per e-mail versturen" if method == "mail" else "Brief printen",
            cancel=url_for("dossiers_codes.index"),
            hidden={"method": method, "bevestigd": "1"},
        )
    try:
        handed = codes.hand_out(staff, student, method)
    except DomainError as error:
        flash(error.message, "error")
        return redirect_after_post(url_for("dossiers_codes.index"))
    if handed.pdf is not None:
        response = pdf_response(handed.pdf, f"activatiecode-{student.id}.pdf")
        response.headers.set("Content-Disposition", "attachment", filename=f"activatiecode-{student.id}.pdf")
        return response
    flash(f"De activatiecode is per e-mail verstuurd naar {student.name} ({student.email}).", "success")
    return redirect_after_post(url_for("dossiers_codes.index"))


@bp.get("/bulk")
@school_staff_required
def confirm_bulk():
    """The bulk choice (method, who) comes here first: how many students get a new code, then the post."""
    method = request.args.get("method", "")
    scope = request.args.get("scope", "")
    try:
        seen = bulk_service.preview(g.staff, method, scope)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("dossiers_codes.index"))
    return render("dossiers/codes/bulk_confirm.html", preview=seen)


@bp.post("/bulk")
@school_staff_required
def start_bulk():
    try:
        started = bulk_service.start(g.staff, request.form.get("method", ""), request.form.get("scope", ""))
    except DomainError as error:
        flash(error.message, "error")
        return redirect_after_post(url_for("dossiers_codes.index"))
    return redirect_after_post(url_for("dossiers_codes.bulk", bulk_id=started.id))


@bp.get("/bulk/<int:bulk_id>")
@school_staff_required
def bulk(bulk_id):
    """A bulk hand-out's progress; htmx polls its progress block, answered with 286 (stop) once it is final."""
    record = bulk_service.bulk_for(g.staff, bulk_id)
    delivery = bulk_service.delivery(record)
    # settled: nothing more will change while one watches (the job is over, no mail is on its way)
    settled = record.state in ("done", "failed") and not delivery.pending
    context = dict(
        bulk=record,
        state_label=bulk_service.STATES[record.state],
        delivery=delivery,
        expired=bulk_service.is_expired(record),
        settled=settled,
        poll_url=url_for("dossiers_codes.bulk", bulk_id=record.id),
    )
    if request.htmx and settled:
        return render("dossiers/codes/bulk.html", "progress", status=286, **context)
    return render("dossiers/codes/bulk.html", "progress", **context)


@bp.get("/bulk/<int:bulk_id>/brieven.pdf")
@school_staff_required
def bulk_letters(bulk_id):
    return send(bulk_service.letters_file(g.staff, bulk_id))

"""Cursusagenda, course pages, enrolment, and Mijn Onderwijsgroep: cursussen, facturen and the
message archive (Digitaal Dossier). The staff pages are in staff.py."""

from flask import Blueprint, flash, make_response, render_template, request, url_for

from webapp.core.auth import acting, admin_required, login_required
from webapp.core.errors import DomainError, NotFound
from webapp.core.forms import add_error, form_status
from webapp.core.htmx import redirect_after_post, render
from webapp.core.pdf import pdf_response
from webapp.courses import invoicing, services
from webapp.courses.forms import NO_PARTICIPANT, EnrolForm, chosen_participant_id, page_number, search_text
from webapp.courses.models import STATUSES

bp = Blueprint("courses", __name__)


@bp.app_template_filter("euro")
def euro(cents):
    return invoicing.format_euro(cents)


# Public catalogue -------------------------------------------------------------------------


@bp.get("/cursusagenda")
def agenda():
    page = page_number(request.args.get("pagina"))
    events, has_next = services.upcoming_events(page)
    return render("courses/agenda.html", "results", events=events, page=min(page, services.MAX_PAGE), has_next=has_next)


@bp.get("/aanbod")
def offer():
    return render_template("courses/category.html", category=None, children=services.root_categories(), courses=[])


@bp.get("/aanbod/<int:category_id>")
def category(category_id):
    category = services.get_category(category_id)
    return render_template(
        "courses/category.html",
        category=category,
        children=category.children,
        courses=services.public_courses(category.id),
    )


@bp.get("/cursussen/<int:course_id>")
def course(course_id):
    course = services.get_course(acting(), course_id)
    events = [e for e in course.events if services.is_open(e)]
    return render_template("courses/course.html", course=course, events=events)


# Enrolment --------------------------------------------------------------------------------


@bp.route("/cursussen/evenement/<int:event_id>/inschrijven", methods=["GET", "POST"])
@login_required
def enrol(event_id):
    context = acting()
    event = services.get_event(context, event_id)
    form = EnrolForm()
    may_choose = context.is_admin
    if request.method == "GET":
        chosen = request.args.get("deelnemer") if may_choose else None
        participant_id = chosen_participant_id(chosen, context.user_id)
        form.participant_id.data = str(participant_id or "")
    else:
        participant_id = form.participant(context.user_id)
    participant = services.chosen_participant(context, participant_id)
    if request.method == "GET" and participant_id and participant is None:
        raise NotFound()  # not the organisation's person, or nobody: the same answer, naming no one
    query = search_text(request.args.get("zoek")) if may_choose else ""
    persons = services.organisation_persons(context, query) if may_choose and (query or participant is None) else []
    if request.method == "GET" and request.args.get("zoek") is not None and request.htmx:
        return render("courses/enrol.html", "person_results", event=event, persons=persons, query=query)
    if form.validate_on_submit():
        try:
            if participant_id is None:
                raise DomainError(NO_PARTICIPANT)
            if not form.participant_id.data and may_choose:
                raise DomainError("Kies eerst een deelnemer.", field="participant_id")
            enrollment = services.enrol(
                context,
                event.id,
                participant_id,
                debtor_reference=form.debtor_reference.data,
                waiting_list=form.waiting_list.data,
            )
        except DomainError as error:
            add_error(form, error)
        else:
            return redirect_after_post(url_for("courses.confirmation", enrollment_id=enrollment.id))
    existing = services.current_enrollment(event, participant) if participant is not None else None
    return render(
        "courses/enrol.html",
        None,
        event=event,
        form=form,
        participant=participant,
        existing=existing,
        waiting_place=services.waiting_place(existing) if existing is not None else None,
        persons=persons,
        query=query,
        may_choose=may_choose,
        places=services.available_places(event),
        open=services.is_open(event),
        context=context,
        status=form_status(form) if form.errors or form.form_errors else 200,
    )


@bp.get("/cursussen/inschrijving/<int:enrollment_id>/bevestiging")
@login_required
def confirmation(enrollment_id):
    enrollment = services.get_enrollment(acting(), enrollment_id)
    return render_template(
        "courses/confirmation.html",
        enrollment=enrollment,
        event=enrollment.event,
        places=services.available_places(enrollment.event),
        waiting_place=services.waiting_place(enrollment),
        may_choose=acting().is_admin,
    )


# Where Afmelden was chosen, to go back to: Mijn cursussen, or the organisation's enrolments.
BACK = {"mijn": "courses.my_courses", "organisatie": "courses.organisation_courses"}


@bp.route("/cursussen/inschrijving/<int:enrollment_id>/afmelden", methods=["GET", "POST"])
@login_required
def cancel(enrollment_id):
    """Afmelden asks first (a page of its own, so it works without JavaScript), and cancels on the post."""
    back = request.values.get("terug") if request.values.get("terug") in BACK else "mijn"
    enrollment = services.get_enrollment(acting(), enrollment_id)
    if request.method == "GET":
        return render_template(
            "courses/cancel.html",
            enrollment=enrollment,
            event=enrollment.event,
            cancellable=services.is_open(enrollment.event) and enrollment.status != "cancelled",
            back=back,
            back_url=url_for(BACK[back]),
        )
    try:
        enrollment = services.cancel(acting(), enrollment_id)
    except DomainError as error:
        flash(error.message, "error")
    else:
        message = f"De inschrijving voor {enrollment.event.name} is geannuleerd."
        note = enrollment.invoice.credit_note if enrollment.invoice is not None else None
        if note is not None:
            message += (
                f" Factuur {enrollment.invoice.number} is gecrediteerd met creditfactuur {note.number} (zie Facturen)."
            )
        flash(message, "success")
    return redirect_after_post(url_for(BACK[back]))


# Mijn Onderwijsgroep ----------------------------------------------------------------------


@bp.get("/mijn-onderwijsgroep/cursussen")
@login_required
def my_courses():
    from webapp.core.timeutil import today_local

    return render_template(
        "courses/my_courses.html",
        rows=services.my_course_rows(acting()),
        today=today_local(),
        statuses=STATUSES,
        tab="mine",
    )


@bp.get("/mijn-onderwijsgroep/cursussen/organisatie")
@admin_required
def organisation_courses():
    context = acting()
    courses, enrollments = services.organisation_overview(context)
    public, _ = services.upcoming_events(1, per_page=10)
    return render_template(
        "courses/organisation_courses.html",
        courses=courses,
        enrollments=enrollments,
        public=public,
        open=services.is_open,
        tab="organisation",
    )


@bp.get("/mijn-onderwijsgroep/facturen")
@login_required
def invoices():
    context = acting()
    may_see = services.may_see_invoices(context)
    return render_template(
        "courses/invoices.html",
        invoices=services.invoices(context),
        may_see=may_see,
        viewers=[] if may_see else services.invoice_viewers(context),
    )


@bp.get("/mijn-onderwijsgroep/facturen/<int:invoice_id>.pdf")
@login_required
def invoice_pdf(invoice_id):
    invoice = services.get_invoice(acting(), invoice_id)
    return pdf_response(invoicing.pdf(invoice), invoicing.file_name(invoice))


# The message archive, which the UI (and its URL) calls the Digitaal Dossier.


@bp.get("/mijn-onderwijsgroep/dossier")
@login_required
def message_archive():
    return render_template("courses/message_archive.html", messages=services.archived_messages(acting()))


@bp.get("/mijn-onderwijsgroep/dossier/<int:message_id>")
@login_required
def message(message_id):
    return render_template("courses/message.html", message=services.get_message(acting(), message_id))


@bp.get("/mijn-onderwijsgroep/dossier/<int:message_id>/bijlage/<int:attachment_id>")
@login_required
def attachment(message_id, attachment_id):
    attachment = services.get_attachment(acting(), message_id, attachment_id)
    response = make_response(attachment.data)
    response.headers["Content-Type"] = attachment.mimetype
    response.headers.set("Content-Disposition", "attachment", filename=attachment.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response

"""Staff pages of courses: the catalogue, events and their participants, invoices, messages to a customer's
message archive (Digitaal Dossier)."""

from flask import flash, redirect, render_template, request, url_for

from webapp.accounts.models import Organisation
from webapp.core.auth import acting
from webapp.core.errors import DomainError
from webapp.core.forms import add_error, form_status
from webapp.core.pdf import pdf_response
from webapp.core.staff import staff_blueprint
from webapp.courses import invoicing, services
from webapp.courses.forms import CourseForm, EventForm, MessageForm, ResultForm
from webapp.courses.models import Category, Course, Event
from webapp.extensions import db

bp = staff_blueprint("courses_staff", __name__, "/cursussen")

FORM_NOT_VALID = "Het formulier is niet geldig. Probeer het opnieuw."


def _course_form(course=None):
    form = CourseForm(obj=course)
    categories = db.session.execute(db.select(Category)).scalars().all()
    form.category_id.choices = [(0, "(geen)")] + sorted(
        ((c.id, " » ".join(n.name for n in c.path)) for c in categories), key=lambda pair: pair[1]
    )
    organisations = db.session.execute(db.select(Organisation).order_by(Organisation.name)).scalars().all()
    form.custom_for_id.choices = [(0, "(openbaar: iedereen)")] + [(o.id, o.name) for o in organisations]
    if request.method == "GET":
        form.category_id.data = course.category_id or 0 if course else 0
        form.custom_for_id.data = course.custom_for_id or 0 if course else 0
    return form


@bp.route("", methods=["GET", "POST"])
def index():
    form = _course_form()
    if form.validate_on_submit():
        course = services.save_course(acting(), None, form.data)
        flash(f"Cursus {course.name} is aangemaakt.", "success")
        return redirect(url_for("courses_staff.course", course_id=course.id), code=303)
    return render_template("courses/staff/index.html", courses=services.all_courses(acting()), form=form), form_status(
        form
    )


@bp.route("/<int:course_id>", methods=["GET", "POST"])
def course(course_id):
    course = db.get_or_404(Course, course_id)
    form = _course_form(course)
    event_form = EventForm(prefix="event")
    # the page's two forms say which they are; a post from neither (tampered with, or truncated) is refused
    action = request.form.get("action") if request.method == "POST" else None
    if action == "course" and form.validate_on_submit():
        services.save_course(acting(), course, form.data)
        flash("De cursus is opgeslagen.", "success")
        return redirect(url_for("courses_staff.course", course_id=course.id), code=303)
    if action == "event" and event_form.validate_on_submit():
        try:
            event = services.save_event(acting(), course, None, event_form.data)
        except DomainError as error:
            add_error(event_form, error)
        else:
            flash(f"Evenement {event.name} is toegevoegd.", "success")
            return redirect(url_for("courses_staff.course", course_id=course.id), code=303)
    page_errors = [FORM_NOT_VALID] if request.method == "POST" and action not in ("course", "event") else []
    return render_template(
        "courses/staff/course.html", course=course, form=form, event_form=event_form, page_errors=page_errors
    ), form_status(form)


@bp.route("/evenementen/<int:event_id>", methods=["GET", "POST"])
def event(event_id):
    event = db.get_or_404(Event, event_id)
    form = EventForm(obj=event) if request.method == "POST" else _stored_event_form(event)
    if form.validate_on_submit():
        try:
            services.save_event(acting(), event.course, event, form.data)
        except DomainError as error:
            add_error(form, error)
        else:
            flash("Het evenement is opgeslagen.", "success")
            return redirect(url_for("courses_staff.event", event_id=event.id), code=303)
    return _event_page(event, form)


def _stored_event_form(event):
    """The event's form as stored, not as anything posted."""
    form = EventForm(formdata=None, obj=event)
    form.price.data = event.price_cents / 100
    return form


def _event_page(event, form, result_errors=()):
    """The event with its participants and its form; after a refused post (of either form) a 400."""
    status = 400 if request.method == "POST" else 200
    return render_template(
        "courses/staff/event.html",
        event=event,
        form=form,
        result_errors=result_errors,
        results_open=not services.is_open(event),
        enrollments=services.event_enrollments(acting(), event.id),
        places=services.available_places(event),
    ), status


@bp.post("/evenementen/<int:event_id>/uitnodigen")
def invite(event_id):
    sent = services.send_invitations(acting(), event_id)
    flash(f"{sent} uitnodiging(en) verstuurd.", "success")
    return redirect(url_for("courses_staff.event", event_id=event_id), code=303)


@bp.post("/inschrijvingen/<int:enrollment_id>/resultaat")
def result(enrollment_id):
    enrollment = services.get_any_enrollment(acting(), enrollment_id)
    form = ResultForm()
    if form.validate_on_submit():
        try:
            services.record_result(acting(), enrollment.id, form.result.data or "", form.attended.data)
        except DomainError as error:
            add_error(form, error)
        else:
            flash(f"Resultaat van {enrollment.participant.full_name} is opgeslagen.", "success")
            return redirect(url_for("courses_staff.event", event_id=enrollment.event_id), code=303)
    problems = " ".join(message for messages in form.errors.values() for message in messages)
    errors = [f"Het resultaat van {enrollment.participant.full_name} is niet opgeslagen: {problems}"]
    return _event_page(enrollment.event, _stored_event_form(enrollment.event), errors)


@bp.get("/facturen")
def invoices():
    only_open = request.args.get("open") == "1"
    return render_template(
        "courses/staff/invoices.html", invoices=services.all_invoices(acting(), only_open), only_open=only_open
    )


@bp.post("/facturen/<int:invoice_id>/betaald")
def mark_paid(invoice_id):
    invoice = services.mark_paid(acting(), invoice_id, request.form.get("paid", "1") == "1")
    flash(f"Factuur {invoice.number} is {'als betaald' if invoice.is_paid else 'weer als open'} gemarkeerd.", "success")
    # back to the list as it was filtered
    return redirect(url_for("courses_staff.invoices", open=1 if request.form.get("open") == "1" else None), code=303)


@bp.get("/facturen/<int:invoice_id>.pdf")
def invoice_pdf(invoice_id):
    invoice = services.get_any_invoice(acting(), invoice_id)
    return pdf_response(invoicing.pdf(invoice), invoicing.file_name(invoice))


@bp.route("/bericht", methods=["GET", "POST"])
def message():
    form = MessageForm()
    organisations = db.session.execute(db.select(Organisation.id, Organisation.name).order_by(Organisation.name)).all()
    form.organisation_id.choices = [(0, "(kies een organisatie)")] + [(o.id, o.name) for o in organisations]
    if request.method == "GET" and request.args.get("email"):
        form.person_email.data = request.args["email"]
    if form.validate_on_submit():
        files = [(f.filename, f.mimetype, f.read()) for f in form.attachments.data or [] if getattr(f, "filename", "")]
        try:
            if form.to.data == "organisation" and not form.organisation_id.data:
                raise DomainError("Kies een organisatie.", field="organisation_id")
            message = services.send_archive_message(
                acting(),
                subject=form.subject.data,
                body=form.body.data,
                attachments=files,
                person_email=form.person_email.data if form.to.data == "person" else "",
                organisation_id=form.organisation_id.data if form.to.data == "organisation" else None,
            )
        except DomainError as error:
            add_error(form, error)
        else:
            flash(
                f'Het bericht "{message.subject}" is verstuurd met {len(message.attachments)} bijlage(n) '
                "en staat in het Digitaal Dossier van de ontvanger.",
                "success",
            )
            return redirect(url_for("courses_staff.message"), code=303)
    return render_template("courses/staff/message.html", form=form), form_status(form)

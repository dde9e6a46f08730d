"""Cursusagenda, course pages, enrolment, Mijn Onderwijsgroep (cursussen, facturen, dossier)
and the issuer's back-office for courses."""
from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for

from webapp.core.auth import acting, admin_required, login_required, staff_required
from webapp.core.errors import DomainError, NotFound
from webapp.core.forms import add_error, form_status
from webapp.core.htmx import redirect_after_post, render
from webapp.core.readonly import read_only
from webapp.courses import services
from webapp.courses.forms import CourseForm, EnrolForm, EventForm, MessageForm, ResultForm
from webapp.courses.models import STATUSES, Category, Course, Event, Invoice
from webapp.courses.services import Actor
from webapp.extensions import db

bp = Blueprint("courses", __name__)


@bp.app_template_filter("euro")
def euro(cents):
    return services.format_euro(cents)


@bp.app_template_global("courses_agenda_url")
def courses_agenda_url() -> str:
    """For the main menu (_nav.html): the public Cursusagenda, linked once this module is installed."""
    return url_for("courses.agenda")


def _actor() -> Actor | None:
    context = acting()
    return Actor.from_context(context) if context else None


_SENTINEL = 987654321


def _url_pattern(endpoint: str, argument: str) -> str:
    """The endpoint's URL with "{}" for its one id, built once per page instead of once per row."""
    return url_for(endpoint, **{argument: _SENTINEL}).replace(str(_SENTINEL), "{}")


def _page() -> int:
    value = request.args.get("pagina", "1")
    return int(value) if value.isdigit() and int(value) > 0 else 1


# Public catalogue -------------------------------------------------------------------------

@bp.get("/cursusagenda")
@read_only
def agenda():
    page = _page()
    events, has_next = services.upcoming_events(page)
    return render("courses/agenda.html", "results", events=events, page=min(page, services.MAX_PAGE), has_next=has_next,
                  agenda_url=url_for("courses.agenda"), course_url=_url_pattern("courses.course", "course_id"),
                  enrol_url=_url_pattern("courses.enrol", "event_id"))


@bp.get("/aanbod")
@read_only
def offer():
    return render_template("courses/category.html", category=None, children=services.root_categories(), courses=[])


@bp.get("/aanbod/<int:category_id>")
@read_only
def category(category_id):
    category = services.get_category(category_id)
    return render_template("courses/category.html", category=category, children=category.children,
                           courses=services.public_courses(category.id))


@bp.get("/cursussen/<int:course_id>")
@read_only
def course(course_id):
    course = services.get_course(course_id, _actor())
    events = [e for e in course.events if services.is_open(e)]
    return render_template("courses/course.html", course=course, events=events)


# Enrolment --------------------------------------------------------------------------------

@bp.route("/cursussen/evenement/<int:event_id>/inschrijven", methods=["GET", "POST"])
@login_required
def enrol(event_id):
    context, actor = acting(), _actor()
    event = services.get_event(event_id, actor)
    form = EnrolForm()
    may_choose = actor.is_admin
    chosen = request.args.get("deelnemer", "")
    if request.method == "GET":
        participant_id = actor.user_id if chosen == "" or not may_choose else (int(chosen) if chosen.isdigit() else 0)
        form.participant_id.data = str(participant_id) if participant_id else ""
    else:
        participant_id = form.participant(actor.user_id)
    participant = None
    if participant_id and (participant_id == actor.user_id or may_choose):
        from webapp.accounts.models import User

        participant = db.session.get(User, participant_id)
    query = request.args.get("zoek", "")
    persons = services.organisation_persons(actor.organisation_id, query) if may_choose and (query or participant is None) else []
    if request.method == "GET" and request.args.get("zoek") is not None and request.htmx:
        return render("courses/enrol.html", "person_results", event=event, persons=persons, query=query)
    if form.validate_on_submit():
        try:
            if participant_id is None:
                raise DomainError("Het formulier is niet geldig. Kies de deelnemer opnieuw.")
            if not form.participant_id.data and may_choose:
                raise DomainError("Kies eerst een deelnemer.", field="participant_id")
            enrollment = services.enrol(actor, event.id, participant_id, debtor_reference=form.debtor_reference.data,
                                        waiting_list=form.waiting_list.data)
        except DomainError as error:
            add_error(form, error)
        else:
            return redirect_after_post(url_for("courses.confirmation", enrollment_id=enrollment.id))
    return render("courses/enrol.html", None, event=event, form=form, participant=participant, persons=persons,
                  query=query, may_choose=may_choose, places=services.available_places(event),
                  open=services.is_open(event), context=context, status=form_status(form) if form.errors or form.form_errors else 200)


@bp.get("/cursussen/inschrijving/<int:enrollment_id>/bevestiging")
@login_required
def confirmation(enrollment_id):
    enrollment = services.get_enrollment(_actor(), enrollment_id)
    return render_template("courses/confirmation.html", enrollment=enrollment, event=enrollment.event,
                           places=services.available_places(enrollment.event), may_choose=acting().is_admin)


@bp.post("/cursussen/inschrijving/<int:enrollment_id>/afmelden")
@login_required
def cancel(enrollment_id):
    try:
        enrollment = services.cancel(_actor(), enrollment_id)
    except NotFound:
        raise  # someone else's enrolment: the 404 page, not a message
    except DomainError as error:
        flash(error.message, "error")
    else:
        message = f"De inschrijving voor {enrollment.event.name} is geannuleerd."
        note = enrollment.invoice.credit_note if enrollment.invoice is not None else None
        if note is not None:
            message += f" Factuur {enrollment.invoice.number} is gecrediteerd met creditfactuur {note.number} (zie Facturen)."
        flash(message, "success")
    return redirect_after_post(url_for("courses.my_courses"))


# Mijn Onderwijsgroep ----------------------------------------------------------------------

@bp.get("/mijn-onderwijsgroep/cursussen")
@read_only
@login_required
def my_courses():
    from webapp.core.timeutil import today_local

    return render_template("courses/my_courses.html", rows=services.my_course_rows(_actor()), today=today_local(),
                           statuses=STATUSES, cancel_url=_url_pattern("courses.cancel", "enrollment_id"),
                           tab="mine")


@bp.get("/mijn-onderwijsgroep/cursussen/organisatie")
@read_only
@admin_required
def organisation_courses():
    actor = _actor()
    courses, enrollments = services.organisation_overview(actor)
    public, _ = services.upcoming_events(1, per_page=10)
    return render_template("courses/organisation_courses.html", courses=courses, enrollments=enrollments,
                           public=public, open=services.is_open, tab="organisation")


@bp.get("/mijn-onderwijsgroep/facturen")
@read_only
@login_required
def invoices():
    return render_template("courses/invoices.html", invoices=services.invoices(_actor()))


@bp.get("/mijn-onderwijsgroep/facturen/<int:invoice_id>.pdf")
@login_required
def invoice_pdf(invoice_id):
    return _invoice_response(services.get_invoice(_actor(), invoice_id))


def _invoice_response(invoice):
    response = make_response(services.invoice_pdf(invoice))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{services.invoice_file_name(invoice)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/mijn-onderwijsgroep/dossier")
@read_only
@login_required
def dossier():
    return render_template("courses/dossier.html", messages=services.messages(_actor()))


@bp.get("/mijn-onderwijsgroep/dossier/<int:message_id>")
@login_required
def message(message_id):
    return render_template("courses/message.html", message=services.get_message(_actor(), message_id))


@bp.get("/mijn-onderwijsgroep/dossier/<int:message_id>/bijlage/<int:attachment_id>")
@login_required
def attachment(message_id, attachment_id):
    attachment = services.get_attachment(_actor(), message_id, attachment_id)
    response = make_response(attachment.data)
    response.headers["Content-Type"] = attachment.mimetype
    response.headers.set("Content-Disposition", "attachment", filename=attachment.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Back-office (issuer staff) ---------------------------------------------------------------

def _course_form(course=None):
    form = CourseForm(obj=course)
    categories = db.session.execute(db.select(Category)).scalars().all()
    form.category_id.choices = [(0, "(geen)")] + sorted(
        ((c.id, " » ".join(n.name for n in c.path)) for c in categories), key=lambda pair: pair[1])
    from webapp.organisations.models import Organisation

    organisations = db.session.execute(db.select(Organisation).order_by(Organisation.name)).scalars().all()
    form.custom_for_id.choices = [(0, "(openbaar: iedereen)")] + [(o.id, o.name) for o in organisations]
    if request.method == "GET":
        form.category_id.data = course.category_id or 0 if course else 0
        form.custom_for_id.data = course.custom_for_id or 0 if course else 0
    return form


@bp.route("/beheer/cursussen", methods=["GET", "POST"])
@staff_required
def admin_index():
    form = _course_form()
    if form.validate_on_submit():
        course = services.save_course(None, form.data)
        flash(f"Cursus {course.name} is aangemaakt.", "success")
        return redirect(url_for("courses.admin_course", course_id=course.id), code=303)
    return render_template("courses/admin/index.html", courses=services.all_courses(), form=form), form_status(form)


@bp.route("/beheer/cursussen/<int:course_id>", methods=["GET", "POST"])
@staff_required
def admin_course(course_id):
    course = db.get_or_404(Course, course_id)
    form = _course_form(course)
    event_form = EventForm(prefix="event")
    if request.method == "POST" and request.form.get("action") == "course" and form.validate_on_submit():
        services.save_course(course, form.data)
        flash("De cursus is opgeslagen.", "success")
        return redirect(url_for("courses.admin_course", course_id=course.id), code=303)
    if request.method == "POST" and request.form.get("action") == "event" and event_form.validate_on_submit():
        try:
            event = services.save_event(course, None, event_form.data)
        except DomainError as error:
            add_error(event_form, error)
        else:
            flash(f"Evenement {event.name} is toegevoegd.", "success")
            return redirect(url_for("courses.admin_course", course_id=course.id), code=303)
    return render_template("courses/admin/course.html", course=course, form=form, event_form=event_form), form_status(form)


@bp.route("/beheer/cursussen/evenementen/<int:event_id>", methods=["GET", "POST"])
@staff_required
def admin_event(event_id):
    event = db.get_or_404(Event, event_id)
    form = EventForm(obj=event)
    if request.method == "GET":
        form.price.data = event.price_cents / 100
    if form.validate_on_submit():
        try:
            services.save_event(event.course, event, form.data)
        except DomainError as error:
            add_error(form, error)
        else:
            flash("Het evenement is opgeslagen.", "success")
            return redirect(url_for("courses.admin_event", event_id=event.id), code=303)
    return render_template("courses/admin/event.html", event=event, form=form,
                           enrollments=services.event_enrollments(event.id),
                           places=services.available_places(event)), form_status(form)


@bp.post("/beheer/cursussen/evenementen/<int:event_id>/uitnodigen")
@staff_required
def admin_invite(event_id):
    sent = services.send_invitations(event_id)
    flash(f"{sent} uitnodiging(en) verstuurd.", "success")
    return redirect(url_for("courses.admin_event", event_id=event_id), code=303)


@bp.post("/beheer/cursussen/inschrijvingen/<int:enrollment_id>/resultaat")
@staff_required
def admin_result(enrollment_id):
    form = ResultForm()
    enrollment = services.record_result(enrollment_id, form.result.data or "", form.attended.data)
    flash(f"Resultaat van {enrollment.participant.full_name} is opgeslagen.", "success")
    return redirect(url_for("courses.admin_event", event_id=enrollment.event_id), code=303)


@bp.get("/beheer/cursussen/facturen")
@staff_required
def admin_invoices():
    only_open = request.args.get("open") == "1"
    return render_template("courses/admin/invoices.html", invoices=services.all_invoices(only_open), only_open=only_open)


@bp.post("/beheer/cursussen/facturen/<int:invoice_id>/betaald")
@staff_required
def admin_mark_paid(invoice_id):
    invoice = services.mark_paid(invoice_id, request.form.get("paid", "1") == "1")
    flash(f"Factuur {invoice.number} is {'als betaald' if invoice.is_paid else 'weer als open'} gemarkeerd.", "success")
    return redirect(url_for("courses.admin_invoices"), code=303)


@bp.get("/beheer/cursussen/facturen/<int:invoice_id>.pdf")
@staff_required
def admin_invoice_pdf(invoice_id):
    return _invoice_response(db.get_or_404(Invoice, invoice_id))


@bp.route("/beheer/cursussen/bericht", methods=["GET", "POST"])
@staff_required
def admin_message():
    from webapp.organisations.models import Organisation

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
            message = services.send_dossier_message(
                subject=form.subject.data, body=form.body.data, attachments=files,
                person_email=form.person_email.data if form.to.data == "person" else "",
                organisation_id=form.organisation_id.data if form.to.data == "organisation" else None)
        except DomainError as error:
            add_error(form, error)
        else:
            flash(f"Het bericht \"{message.subject}\" is verstuurd met {len(message.attachments)} bijlage(n) "
                  "en staat in het Digitaal Dossier van de ontvanger.", "success")
            return redirect(url_for("courses.admin_message"), code=303)
    return render_template("courses/admin/message.html", form=form), form_status(form)

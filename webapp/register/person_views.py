"""The person's pages, behind DigiD: inschrijven, Mijn koppelingen and the link requests, the e-mail address for
notices, asking an organisation to link them, withdrawing a request, and uitschrijven. Thin: the rules are in
persons.py."""

from flask import Blueprint, flash, g, redirect, request, url_for

from webapp.core.errors import DomainError
from webapp.core.forms import add_error, form_status
from webapp.core.htmx import redirect_after_post, render
from webapp.core.timeutil import today_local
from webapp.register import person_forms, persons, states
from webapp.register.actors import person_required

bp = Blueprint("register_person", __name__, url_prefix="/personenregister/persoon")


def _home_url():
    return url_for("register_person.home")


def _not_enrolled():
    """A page that needs an enrolled person, asked for by one who is not: to the enrolment form."""
    flash("Schrijf u eerst in in het Personenregister kinderopvang.", "warning")
    return redirect(_home_url(), code=303)


def _home(*, enrol_form=None, email_form=None, status=200):
    """Mijn koppelingen for an enrolled person; the enrolment form for anyone else."""
    actor = g.register_person
    person = persons.enrolled_person(actor)
    if person is None:
        deregistered = persons.person_of(actor)
        return render(
            "register/person_enrol.html",
            form=enrol_form or person_forms.EnrolForm.for_actor(actor),
            actor=actor,
            lacks=persons.token_lacks(actor),
            deregistered=deregistered is not None,
            email_hint=person_forms.EMAIL_HINT,
            status=status,
        )
    return render(
        "register/person_home.html",
        "email_section",
        person=person,
        links=persons.links_of(person),
        requests=persons.requests_of(person),
        link_label=persons.link_label,
        request_label=persons.request_label,
        email_form=email_form,
        email_hint=person_forms.EMAIL_HINT,
        status=status,
    )


@bp.get("", endpoint="home")
@person_required
def home():
    return _home()


@bp.post("/inschrijven", endpoint="enrol")
@person_required
def enrol():
    if persons.enrolled_person(g.register_person) is not None:  # enrolled already, in another tab say
        flash("U staat al ingeschreven in het Personenregister kinderopvang.", "warning")
        return redirect(_home_url(), code=303)
    form = person_forms.EnrolForm.for_actor(g.register_person, request.form)
    if form.validate():
        try:
            persons.enrol(g.register_person, form.enrolment())
        except DomainError as error:
            add_error(form, error)
        else:
            flash("U bent ingeschreven in het Personenregister kinderopvang.", "success")
            return redirect(_home_url(), code=303)
    return _home(enrol_form=form, status=400)


@bp.route("/e-mailadres", methods=["GET", "POST"], endpoint="email")
@person_required
def email():
    person = persons.enrolled_person(g.register_person)
    if person is None:
        return _not_enrolled()
    form = person_forms.EmailForm(request.form if request.method == "POST" else None, email=person.email)
    if request.method == "POST" and form.validate():
        persons.change_email(g.register_person, form.email.data or "")
        flash(
            "Uw e-mailadres is aangepast."
            if form.email.data
            else "Uw e-mailadres is verwijderd: u krijgt geen berichten.",
            "success",
        )
        return redirect_after_post(_home_url())
    return _home(email_form=form, status=form_status(form))


@bp.get("/organisatie-zoeken", endpoint="find_organisation")
@person_required
def find_organisation():
    person = persons.enrolled_person(g.register_person)
    if person is None:
        return _not_enrolled()
    search, page_number = person_forms.search_args(request.args)
    page = persons.find_organisations(search, page_number)
    return render(
        "register/person_find.html",
        "results",
        oob=("result_count",),
        page=page,
        standing=persons.standing_with(person, [organisation.id for organisation in page.rows]),
        url_args=person_forms.search_url_args,
        push_url=url_for("register_person.find_organisation", **person_forms.search_url_args(page.search, page.page)),
    )


@bp.route("/koppelverzoek/<int:organisation_id>", methods=["GET", "POST"], endpoint="request_link")
@person_required
def request_link(organisation_id):
    """Vraag een organisatie om u te koppelen: the question first (also without JavaScript), then its post."""
    person = persons.enrolled_person(g.register_person)
    if person is None:
        return _not_enrolled()
    organisation = persons.get_organisation(organisation_id)
    error = None
    if request.method == "POST":
        try:
            persons.request_link(g.register_person, organisation.id)
        except DomainError as refused:
            error = refused.message
        else:
            flash(f"U hebt {organisation.name} gevraagd om u te koppelen.", "success")
            return redirect_after_post(_home_url())
    refused = persons.refusal(persons.standing_with(person, [organisation.id]).get(organisation.id), organisation)
    return render(
        "register/person_request.html",
        organisation=organisation,
        refused=error or refused,
        status=409 if error else 200,
    )


@bp.route("/koppelverzoeken/<int:request_id>/intrekken", methods=["GET", "POST"], endpoint="withdraw")
@person_required
def withdraw(request_id):
    link_request = persons.get_request(g.register_person, request_id)
    error = None
    if request.method == "POST":
        try:
            persons.withdraw(g.register_person, link_request.id)
        except DomainError as refused:
            error = refused.message
        else:
            flash(f"Uw koppelverzoek aan {link_request.organisation.name} is ingetrokken.", "success")
            return redirect_after_post(_home_url())
    elif link_request.state != "open":
        try:
            states.next_request_state(link_request.state, "withdraw")
        except DomainError as refused:
            error = refused.message
    return render(
        "register/person_withdraw.html",
        link_request=link_request,
        error=error,
        status=409 if error else 200,
    )


@bp.route("/uitschrijven", methods=["GET", "POST"], endpoint="deregister")
@person_required
def deregister():
    """Uitschrijven: the question, or which organisations still link the person; then its post."""
    person = persons.enrolled_person(g.register_person)
    if person is None:
        return _not_enrolled()
    error = None
    if request.method == "POST":
        try:
            persons.deregister(g.register_person)
        except DomainError as refused:
            error = refused.message
        else:
            flash("U bent uitgeschreven uit het Personenregister kinderopvang.", "success")
            return redirect_after_post(_home_url())
    return render(
        "register/person_deregister.html",
        person=person,
        still=persons.active_links(person),
        today=today_local(),
        error=error,
        status=409 if error else 200,
    )

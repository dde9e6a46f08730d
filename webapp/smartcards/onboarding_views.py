"""Organisatie valideren, Registreren administrator and Koppelen smartphone (manual 002): public pages for the
representative of an organisation whose registration request was accepted. The card step needs JavaScript (only
the browser reaches the card agent on the representative's computer); the pages after it are plain forms."""

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for

from webapp.core import cardsignin
from webapp.core.errors import DomainError
from webapp.core.forms import add_error, form_status
from webapp.core.timeutil import utcnow
from webapp.extensions import limiter
from webapp.smartcards import onboarding, trust
from webapp.smartcards.onboarding_forms import AdministratorForm, CouplingCodeForm

bp = Blueprint("smartcard_onboarding", __name__, url_prefix="/smartcards")


def _start_again(error: DomainError):
    flash(error.message, "warning")
    return redirect(url_for("smartcard_onboarding.start"), code=303)


@bp.get("/valideren")
def start():
    """Stap 1 and 2: what is needed, the card agent found or explained, the card checked."""
    return render_template(
        "smartcards/onboarding_start.html",
        port=current_app.config["CARDAGENT_PORT"],
        origin=current_app.config["PUBLIC_URL"].rstrip("/"),
    )


@bp.post("/valideren/uitdaging")
def challenge():
    return jsonify(nonce=onboarding.challenge(session))


@bp.post("/valideren/controle")
@limiter.limit(cardsignin.check_limits)
def check():
    try:
        onboarding.check_card(
            session,
            request.stream.read(cardsignin.MAX_ANSWER_BYTES + 1),
            public_url=current_app.config["PUBLIC_URL"],
            trusted=trust.credential_cas(),
            now=utcnow(),
        )
    except DomainError as error:
        return cardsignin.refused(error)
    return jsonify(ok=True, next=url_for("smartcard_onboarding.organisation"))


@bp.route("/valideren/organisatie", methods=["GET", "POST"])
def organisation():
    """Stap 3: the organisation's data from the request to check; Volgende validates it."""
    now = utcnow()
    try:
        card = onboarding.require_card(session, now)
        registration = onboarding.registration_request(card)
    except DomainError as error:
        return _start_again(error)
    if card.validated:
        return redirect(url_for("smartcard_onboarding.administrator"), code=303)
    if request.method == "POST":
        try:
            onboarding.validate_organisation(session, now)
        except DomainError as error:
            return render_template(
                "smartcards/onboarding_organisation.html", card=card, registration=registration, error=error.message
            ), 400
        flash("Uw organisatie is gevalideerd.", "success")
        return redirect(url_for("smartcard_onboarding.administrator"), code=303)
    return render_template("smartcards/onboarding_organisation.html", card=card, registration=registration)


@bp.route("/administrator", methods=["GET", "POST"])
def administrator():
    """Registreren administrator: the card holder's data from the card, their birth date and e-mail; Bevestig."""
    now = utcnow()
    try:
        card, registration = onboarding.validated_request(session, now)
    except DomainError as error:
        return _start_again(error)
    if card.administrator_id is not None:
        if card.existing_account:
            return render_template("smartcards/onboarding_existing.html", card=card, registration=registration)
        return redirect(url_for("smartcard_onboarding.couple"), code=303)
    form = AdministratorForm(email=registration.email)
    if form.validate_on_submit():
        try:
            result = onboarding.register_administrator(
                session, now, birth_date=form.birth_date.data, email=form.email.data
            )
        except DomainError as error:
            add_error(form, error)
        else:
            if result.existing_account:
                return redirect(url_for("smartcard_onboarding.administrator"), code=303)
            return redirect(url_for("smartcard_onboarding.couple"), code=303)
    return render_template(
        "smartcards/onboarding_administrator.html", card=card, registration=registration, form=form
    ), form_status(form)


@bp.route("/koppelen", methods=["GET", "POST"])
def couple():
    """Koppelen smartphone: the QR code, shown once; the first code from the app couples it."""
    now = utcnow()
    form = CouplingCodeForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            onboarding.finish_coupling(session, now, form.code.data)
        except DomainError as error:
            add_error(form, error)
        else:
            return redirect(url_for("smartcard_onboarding.done"), code=303)
    try:
        user, qr, coupling = onboarding.show_coupling(session, now)
    except DomainError as error:
        card = onboarding.validation_card(session, now)
        if card is not None and card.coupled:
            return redirect(url_for("smartcard_onboarding.done"), code=303)
        if card is not None and card.existing_account:
            return redirect(url_for("smartcard_onboarding.administrator"), code=303)
        return _start_again(error)
    return render_template(
        "smartcards/onboarding_couple.html",
        form=form,
        user=user,
        qr=qr,
        secret=coupling.secret if qr else None,
        expired=coupling is None or coupling.expired(now),
        minutes=int(onboarding.COUPLING_LIFETIME.total_seconds() // 60),
    ), form_status(form)


@bp.post("/koppelen/nieuw")
def new_coupling():
    """A new QR code (a new secret: the old one no longer couples)."""
    try:
        onboarding.start_coupling(session, utcnow())
    except DomainError as error:
        return _start_again(error)
    return redirect(url_for("smartcard_onboarding.couple"), code=303)


@bp.get("/koppelen/gelukt")
def done():
    now = utcnow()
    if onboarding.finished(session, now) is None:
        return redirect(url_for("smartcard_onboarding.start"), code=303)
    card, user = onboarding.administrator(session, now)
    return render_template("smartcards/onboarding_done.html", card=card, email=user.email)

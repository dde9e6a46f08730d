"""ZORG-ID Smartcard aanmaken: the pages of manual steps 1–7. The card steps talk to the card agent from the
page (smartcard-create.js); the server checks the credential card, issues the certificate and keeps the card's
state. Every JSON post answers {ok, message?, ...}."""

from base64 import b64encode
from dataclasses import replace

from cryptography.hazmat.primitives import serialization
from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for

from webapp.core import cardsignin
from webapp.core.auth import acting, login_required
from webapp.core.errors import DomainError
from webapp.core.forms import DateRequired, DutchDateField, Form, add_error, form_status
from webapp.core.timeutil import today_local, utcnow
from webapp.extensions import limiter
from webapp.smartcards import personalise

bp = Blueprint("smartcard_personalise", __name__, url_prefix="/smartcards/aanmaken")


class BirthDateForm(Form):
    birth_date = DutchDateField(
        "Geboortedatum",
        validators=[DateRequired("Vul uw geboortedatum in.")],
        render_kw={"autocomplete": "bday"},
    )


def _answer_body() -> bytes:
    return request.stream.read(cardsignin.MAX_ANSWER_BYTES + 1)


def _attempt():
    return personalise.current(session, acting(), utcnow())


def _start_again(error: DomainError):
    """A page of a later step without an attempt under way: back to the credential card, saying why."""
    flash(error.message, "warning")
    return redirect(url_for(".credential"), code=303)


def _port() -> str:
    return str(current_app.config["CARDAGENT_PORT"])


@bp.get("")
@login_required
def intro():
    """Steps 1–2: what to have at hand; the page looks for the card agent."""
    return render_template("smartcards/create_intro.html", port=_port())


@bp.get("/uzi-pas")
@login_required
def credential():
    """Step 3: sign in with the employee credential card."""
    return render_template("smartcards/create_credential.html", port=_port())


@bp.post("/uzi-pas/uitdaging")
@login_required
def credential_challenge():
    return jsonify(nonce=cardsignin.OneChallenge(session, personalise.CHALLENGE_PURPOSE).issue())


@bp.post("/uzi-pas/controle")
@limiter.limit(cardsignin.check_limits)
@login_required
def credential_check():
    try:
        attempt = personalise.check_credential_card(
            acting(),
            _answer_body(),
            challenges=cardsignin.OneChallenge(session, personalise.CHALLENGE_PURPOSE),
            now=utcnow(),
        )
    except DomainError as error:
        return cardsignin.refused(error)
    personalise.keep(session, attempt)
    return jsonify(ok=True, next=url_for(".birth_date"))


@bp.route("/geboortedatum", methods=["GET", "POST"])
@login_required
def birth_date():
    """Step 4: the card holder's data from the card, and their birth date."""
    try:
        attempt = _attempt()
    except DomainError as error:
        return _start_again(error)
    form = BirthDateForm()
    if form.validate_on_submit():
        try:
            attempt = personalise.confirm_birth_date(acting(), attempt, form.birth_date.data, today_local())
        except DomainError as error:
            add_error(form, error)
        else:
            personalise.keep(session, attempt)
            return redirect(url_for(".card"), code=303)
    return render_template("smartcards/create_birth_date.html", form=form, attempt=attempt), form_status(form)


@bp.get("/kaart")
@login_required
def card():
    """Steps 5–7: swap the credential card for the blank card; the agent personalises it."""
    try:
        attempt = _attempt()
    except DomainError as error:
        return _start_again(error)
    if not attempt.birth_date_confirmed:
        flash(personalise.BIRTH_DATE_FIRST, "warning")
        return redirect(url_for(".birth_date"), code=303)
    return render_template("smartcards/create_card.html", attempt=attempt, port=_port())


@bp.post("/kaart/start")
@login_required
def start():
    try:
        attempt, card = personalise.start_card(acting(), _attempt())
    except DomainError as error:
        return cardsignin.refused(error)
    personalise.keep(session, attempt)
    return jsonify(ok=True, card_serial=card.card_serial)


@bp.post("/kaart/certificaat")
@login_required
def certificate():
    payload = _json()
    try:
        issued = personalise.issue_certificate(acting(), _attempt(), payload.get("public_key"), utcnow())
    except DomainError as error:
        return cardsignin.refused(error)
    return jsonify(ok=True, certificate=b64encode(issued.public_bytes(serialization.Encoding.DER)).decode())


@bp.post("/kaart/opgeslagen")
@login_required
def stored():
    try:
        personalise.complete_card(acting(), _attempt(), _json().get("result"))
    except DomainError as error:
        return cardsignin.refused(error)
    personalise.forget(session)
    return jsonify(ok=True, next=url_for(".done"))


@bp.post("/kaart/mislukt")
@login_required
def failed():
    try:
        attempt = _attempt()
    except DomainError:
        return jsonify(ok=True)  # nothing under way any more
    personalise.fail_attempt(acting(), attempt, utcnow())
    personalise.keep(session, replace(attempt, smartcard_id=None))
    return jsonify(ok=True)


@bp.get("/gelukt")
@login_required
def done():
    """Step 7's end: Gelukt! The user's newest active card."""
    card = personalise.newest_active_card(acting())
    if card is None:
        return redirect(url_for(".intro"), code=303)
    return render_template("smartcards/create_done.html", card=card)


def _json() -> dict:
    try:
        return cardsignin.read_answer(_answer_body())
    except DomainError:
        return {}

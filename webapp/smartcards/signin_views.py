"""Inloggen met smartcard (a login at EH3) and the smartcard step-up that raises a logged-in session to EH3.
The page (smartcard-sign-in.js) has the card agent sign the server's challenge; the server decides."""

from flask import Blueprint, current_app, jsonify, render_template, request, session, url_for
from flask_login import current_user

from webapp.accounts.sessions import current_login, start_session
from webapp.core import cardsignin
from webapp.core.auth import login_required
from webapp.core.errors import DomainError
from webapp.core.timeutil import utcnow
from webapp.core.urls import safe_next
from webapp.extensions import limiter
from webapp.smartcards import signin

bp = Blueprint("smartcard_signin", __name__, url_prefix="/smartcards")


def _answer_body() -> bytes:
    return request.stream.read(cardsignin.MAX_ANSWER_BYTES + 1)


def _next() -> str:
    return safe_next(request.args.get("next"), url_for("main.home"))


def _page(challenge: str, check: str, heading: str, **context):
    """The sign-in page; its script posts to the `challenge` and `check` endpoints (the latter keeps ?next=)."""
    return render_template(
        "smartcards/sign_in.html",
        port=current_app.config["CARDAGENT_PORT"],
        challenge_url=url_for(challenge),
        check_url=url_for(check, next=request.args.get("next")),
        heading=heading,
        **context,
    )


def _challenge(purpose: str):
    return jsonify(nonce=cardsignin.OneChallenge(session, purpose).issue())


def _checked_card(purpose: str, now):
    """The smartcard that answered this session's challenge for `purpose`, or a Dutch DomainError."""
    return signin.checked_card(_answer_body(), challenges=cardsignin.OneChallenge(session, purpose), now=now)


@bp.get("/inloggen")
def sign_in():
    return _page(".sign_in_challenge", ".sign_in_check", "Inloggen met smartcard")


@bp.post("/inloggen/uitdaging")
def sign_in_challenge():
    return _challenge(signin.SIGN_IN_PURPOSE)


@bp.post("/inloggen/controle")
@limiter.limit(cardsignin.check_limits, methods=["POST"])
def sign_in_check():
    now = utcnow()
    try:
        card = _checked_card(signin.SIGN_IN_PURPOSE, now)
    except DomainError as error:
        return cardsignin.refused(error)
    user = signin.signed_in(card, now)
    login = start_session(user, remember=False, level=signin.LEVEL)  # a fresh session id: no fixation
    target = _next()
    if not login.organisation_chosen:
        target = url_for("accounts.choose_organisation", next=target)
    return jsonify(ok=True, next=target)


@bp.get("/verificatie")
@login_required
def step_up():
    return _page(".step_up_challenge", ".step_up_check", "Extra verificatie met smartcard", step_up=True)


@bp.post("/verificatie/uitdaging")
@login_required
def step_up_challenge():
    return _challenge(signin.STEP_UP_PURPOSE)


@bp.post("/verificatie/controle")
@login_required
@limiter.limit(cardsignin.check_limits, methods=["POST"])
def step_up_check():
    now = utcnow()
    try:
        card = _checked_card(signin.STEP_UP_PURPOSE, now)
        signin.step_up(current_user, current_login(), card, now)
    except DomainError as error:
        return cardsignin.refused(error)
    return jsonify(ok=True, next=_next())

"""Logging in to the register: the public start page; organisations through eHerkenning (or, when allowed, as a
portal member at EH2+ with the register mandate), persons through DigiD; the refusal pages; logging out.

The callbacks answer a refusal with a redirect to its page, so the provider's code and state leave the address
bar and each refusal page has an address of its own."""

import requests
from authlib.integrations.flask_client import OAuthError
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from joserfc.errors import JoseError

from webapp.core.audit import audit
from webapp.core.auth import acting, level_at_least
from webapp.core.security import CONTENT_SECURITY_POLICY
from webapp.core.urls import safe_next
from webapp.register import oidc, sessions
from webapp.register.actors import LEVEL, OrganisationActor, organisation_actor, portal_member_with_mandate, record
from webapp.register.demo import oidc_identities

bp = Blueprint("register_login", __name__, url_prefix="/personenregister")
bp.record_once(lambda state: oidc.init_app(state.app))

ORGANISATION_HOME = "register.home"
PERSON_HOME = "register_person.home"
NEXT_PAGE = {"eherkenning": "register_next_eherkenning", "digid": "register_next_digid"}
REFUSAL_STATUS = {"mislukt": 400, "niet-bereikbaar": 503}  # the others: 403


@bp.get("", endpoint="start")
def start():
    context = acting()
    page = render_template(
        "register/start.html",
        next_page=_next_page(request.args.get("volgende")),
        portal_member=portal_member_with_mandate(),
        portal_level_reached=context is not None and level_at_least(context.level, LEVEL),
        level=LEVEL,
        organisation_home=ORGANISATION_HOME,
        identities=oidc_identities(current_app.config) if current_app.config["DEBUG_PAGES"] else None,
    )
    return page, {"Content-Security-Policy": _policy_with_login_forms()}


def _policy_with_login_forms() -> str:
    """The portal's policy, its form-action widened to the providers: it also governs the redirect that follows a
    form's submission, and the login buttons' forms redirect to the provider's authorization endpoint."""
    form_action = " ".join(["form-action 'self'", *oidc.authorization_origins()])
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", form_action)


@bp.post("/eherkenning", endpoint="eherkenning")
def eherkenning():
    return _authorize("eherkenning", acr_values=current_app.config["EHERKENNING_ACR_VALUES"])


@bp.post("/digid", endpoint="digid")
def digid():
    return _authorize("digid")


def _next_page(target: str | None) -> str:
    """A register page to return to after logging in (the start page's `volgende`); '' for any other."""
    path = safe_next(target, "")
    return path if path.startswith(f"{bp.url_prefix}/") else ""


def _authorize(name: str, **parameters):
    session[NEXT_PAGE[name]] = _next_page(request.form.get("volgende"))
    # the address registered with the provider, whatever Host the request came with
    callback = current_app.config["PUBLIC_URL"] + url_for(f".{name}_callback")
    try:
        return oidc.client(name).authorize_redirect(callback, **parameters)
    except requests.RequestException:
        return _refused("niet-bereikbaar")


def _logged_in(name: str, home: str):
    return redirect(session.pop(NEXT_PAGE[name], "") or url_for(home), code=303)


@bp.get("/eherkenning/terug", endpoint="eherkenning_callback")
def eherkenning_callback():
    try:
        login = oidc.employee_login(_claims("eherkenning"))
    except oidc.Refused as refusal:
        return _refused(refusal.reason)
    sessions.start(
        "eherkenning", level=login.level, subject=login.subject, organisation_id=login.organisation.id, mandated=True
    )
    actor = OrganisationActor(login.organisation, "eherkenning", login.level, subject=login.subject)
    record(actor, "register.login", subject=f"organisation:{actor.organisation_id}")
    return _logged_in("eherkenning", ORGANISATION_HOME)


@bp.get("/digid/terug", endpoint="digid_callback")
def digid_callback():
    try:
        login = oidc.person_login(_claims("digid"))
    except oidc.Refused as refusal:
        return _refused(refusal.reason)
    sessions.start(
        "digid",
        level="DigiD",
        bsn=login.bsn,
        first_name=login.first_name,
        infix=login.infix,
        last_name=login.last_name,
        birth_date=login.birth_date,
    )
    audit("register.login", organisation_id=None, level="DigiD", via="digid")
    return _logged_in("digid", PERSON_HOME)


def _claims(name: str) -> dict:
    """The ID token's claims, after Authlib checked state, code, signature and nonce."""
    try:
        token = oidc.client(name).authorize_access_token()
    except requests.RequestException:
        raise oidc.Refused("niet-bereikbaar") from None
    except (OAuthError, JoseError):  # no such state (never sent, or used already), code refused, token not valid
        raise oidc.Refused("mislukt") from None
    claims = token.get("userinfo")
    if not claims:
        raise oidc.Refused("mislukt")
    return dict(claims)


def _refused(reason: str):
    return redirect(url_for(".refused", reden=reason), code=303)


@bp.get("/geweigerd/<reden>", endpoint="refused")
def refused(reden: str):
    if reden not in oidc.REFUSALS:
        abort(404)
    service = current_app.config["REGISTER_SERVICE_NAME"]
    return render_template("register/login_refused.html", reason=reden, service=service), REFUSAL_STATUS.get(reden, 403)


@bp.post("/organisatie/uitloggen", endpoint="organisation_logout")
def organisation_logout():
    actor = organisation_actor()
    if actor is not None and actor.via == "eherkenning":
        record(actor, "register.logout", subject=f"organisation:{actor.organisation_id}")
    sessions.end("eherkenning")
    flash("U bent uitgelogd uit het personenregister.", "success")
    return redirect(url_for(".start"), code=303)


@bp.post("/persoon/uitloggen", endpoint="person_logout")
def person_logout():
    sessions.end("digid")
    flash("U bent uitgelogd uit het personenregister.", "success")
    return redirect(url_for(".start"), code=303)

"""Activation, login, logout, password reset, Organisatie kiezen, Mijn gegevens, authenticator."""

import hashlib

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user

from webapp.accounts import services
from webapp.accounts.forms import (
    ChangePasswordForm,
    ChooseOrganisationForm,
    EmployeeDataForm,
    LoginForm,
    NewPasswordForm,
    PersonalDataForm,
    RequestResetForm,
    TotpCodeForm,
)
from webapp.accounts.sessions import current_login, end_session, start_session
from webapp.core.auth import LEVELS, NEEDED, acting, level_required, login_required
from webapp.core.errors import DomainError
from webapp.core.forms import add_error, form_status
from webapp.core.htmx import render
from webapp.core.modules import step_up_methods
from webapp.core.sealing import seal, unseal
from webapp.core.urls import safe_next
from webapp.extensions import limiter

bp = Blueprint("accounts", __name__)

REMEMBERED_EMAIL_COOKIE = "loket_email"
ORGANISATION_NEEDED = "Deze pagina is er alleen namens een organisatie."
RESET_SENT = (
    "Als dit e-mailadres bij ons bekend is, hebben wij een bericht gestuurd met een link om uw "
    "wachtwoord te wijzigen. Kijk ook in uw map met ongewenste e-mail."
)


def _login_limits() -> str:
    return current_app.config["LOGIN_LIMITS"]


def _account_key() -> str:
    if request.form.get("email"):
        return "account:" + services.normalise_email(request.form["email"])
    token = (request.view_args or {}).get("token")
    if token:  # a reset link: limit guesses per link, not in one bucket shared by every visitor
        return "link:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    if current_user.is_authenticated:
        return "user:" + str(current_user.get_id())
    return "address:" + get_remote_address()


def _rate_limited(view):
    """Per address and per account, on the posts only."""
    view = limiter.limit(_login_limits, methods=["POST"], key_func=_account_key, scope="account")(view)
    return limiter.limit(_login_limits, methods=["POST"], scope="address")(view)


def _after_login(login) -> str:
    target = safe_next(request.args.get("next"), url_for("main.home"))
    if not login.organisation_chosen:
        return url_for("accounts.choose_organisation", next=target)
    return target


@bp.route("/inloggen", methods=["GET", "POST"])
@_rate_limited
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("main.home"))
    form = LoginForm(email=request.cookies.get(REMEMBERED_EMAIL_COOKIE, ""))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            login = start_session(user, remember=form.remember.data)
            response = redirect(_after_login(login), code=303)
            if form.remember.data:
                response.set_cookie(
                    REMEMBERED_EMAIL_COOKIE,
                    user.email,
                    max_age=int(current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()),
                    httponly=True,
                    samesite="Lax",
                    secure=current_app.config["SESSION_COOKIE_SECURE"],
                )
            return response
        form.form_errors.append(
            "De combinatie van gebruikersnaam en wachtwoord is onjuist, of uw account is nog niet geactiveerd."
        )
    return render_template("accounts/login.html", form=form), form_status(form)


@bp.post("/uitloggen")
@login_required
def logout():
    services.forget_remembered(current_user)
    end_session()
    flash("U bent uitgelogd.", "success")
    response = redirect(url_for("accounts.login"), code=303)
    response.delete_cookie(REMEMBERED_EMAIL_COOKIE)
    return response


@bp.route("/wachtwoord-opvragen", methods=["GET", "POST"])
@_rate_limited
def request_reset():
    form = RequestResetForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(RESET_SENT, "success")
        return redirect(url_for("accounts.login"), code=303)
    return render_template("accounts/request_reset.html", form=form), form_status(form)


@bp.route("/wachtwoord-wijzigen/<token>", methods=["GET", "POST"])
@_rate_limited
def reset_password(token):
    return _set_password_page(services.RESET, token, "accounts/reset_password.html", "Uw wachtwoord is gewijzigd.")


@bp.route("/activeren/<token>", methods=["GET", "POST"])
def activate(token):
    return _set_password_page(services.ACTIVATE, token, "accounts/activate.html", "Uw toegang is geactiveerd.")


def _set_password_page(purpose: str, token: str, template: str, done_message: str):
    user = services.user_for_link(purpose, token)
    if user is None:
        return render_template("accounts/link_invalid.html", purpose=purpose), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password(user, form.password.data)
        except services.PasswordRejected as error:
            add_error(form, error)
        else:
            login = start_session(user, remember=False)
            flash(done_message, "success")
            return redirect(_after_login(login), code=303)
    return render_template(template, form=form, user=user), form_status(form)


@bp.route("/organisatie-kiezen", methods=["GET", "POST"])
@login_required
def choose_organisation():
    login = current_login()
    form = ChooseOrganisationForm()
    form.context.choices = services.context_choices(current_user)
    # sent here by a page that needs an organisation: choosing the own name would only come back here
    organisation_needed = request.args.get("organisatie") == NEEDED
    if request.method == "GET":
        if login.organisation_chosen:
            form.context.data = str(login.organisation_id) if login.organisation_id else services.PERSON
        elif current_user.last_organisation_id and login.remember:
            form.context.data = str(current_user.last_organisation_id)
    if form.validate_on_submit():
        try:
            if organisation_needed and form.context.data == services.PERSON:
                raise DomainError(ORGANISATION_NEEDED + " Kies een organisatie.", field="context")
            services.choose_context(login, current_user, form.context.data)
        except DomainError as error:
            add_error(form, error)
        else:
            return redirect(safe_next(request.args.get("next"), url_for("main.home")), code=303)
    return render_template(
        "accounts/choose_organisation.html",
        form=form,
        organisation_needed=organisation_needed,
        organisation_needed_message=ORGANISATION_NEEDED,
        has_organisations=len(form.context.choices) > 1,
    ), form_status(form)


@bp.get("/mijn-gegevens")
@login_required
def my_data():
    return render("accounts/my_data.html", "details", editing=False, form=None, **_my_data_context())


@bp.route("/mijn-gegevens/aanpassen", methods=["GET", "POST"])
@login_required
def edit_my_data():
    context = _my_data_context()
    membership = context["membership"]
    if membership is not None:
        form = EmployeeDataForm(
            obj=membership,
            first_name=current_user.first_name,
            infix=current_user.infix,
            last_name=current_user.last_name,
        )
    else:
        form = PersonalDataForm(obj=current_user)
    if form.validate_on_submit():
        if membership is not None:
            services.update_employee_data(membership, form.data)
        else:
            services.update_personal_data(current_user, form.data)
        flash("Uw gegevens zijn aangepast.", "success")
        return redirect(url_for("accounts.my_data"), code=303)
    return render("accounts/my_data.html", "details", editing=True, form=form, status=form_status(form), **context)


def _my_data_context() -> dict:
    context = acting()
    return {"membership": context.membership, "organisation": context.organisation}


@bp.route("/mijn-gegevens/wachtwoord", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.password.data, keep=current_login())
        except DomainError as error:
            add_error(form, error)
        else:
            flash("Uw wachtwoord is gewijzigd. U bent op andere apparaten uitgelogd.", "success")
            return redirect(url_for("accounts.my_data"), code=303)
    return render_template("accounts/change_password.html", form=form), form_status(form)


_PENDING_TOTP = "pending_totp"


@bp.route("/authenticator", methods=["GET", "POST"])
@login_required
def authenticator():
    if current_user.has_authenticator:
        return render_template("accounts/authenticator.html", form=TotpCodeForm(), coupled=True)
    if request.method == "GET" or _PENDING_TOTP not in session:
        session[_PENDING_TOTP] = seal("pending-totp", services.new_totp_secret())
    secret = unseal("pending-totp", session[_PENDING_TOTP])
    form = TotpCodeForm()
    if form.validate_on_submit():
        try:
            services.couple_authenticator(current_user, secret, form.code.data)
        except DomainError as error:
            add_error(form, error)
        else:
            session.pop(_PENDING_TOTP, None)
            flash("Uw authenticator is gekoppeld.", "success")
            return redirect(url_for("accounts.step_up", next=url_for("accounts.my_data")), code=303)
    return render_template(
        "accounts/authenticator.html",
        form=form,
        coupled=False,
        secret=secret,
        qr=services.totp_qr_data_uri(current_user, secret),
    ), form_status(form)


@bp.route("/authenticator/ontkoppelen", methods=["GET", "POST"])
@level_required("EH2+")
def decouple_authenticator():
    """Ontkoppelen asks first, on a page of its own (works without JavaScript), then its post."""
    if request.method == "GET":
        return render_template(
            "confirm.html",
            question="Weet u zeker dat u uw authenticator wilt ontkoppelen?",
            explanation="U logt daarna niet meer in op niveau EH2+ tot u opnieuw een authenticator koppelt; "
            "pagina's die dat niveau vragen zijn dan niet bereikbaar.",
            action=url_for("accounts.decouple_authenticator"),
            button="Ja, ontkoppelen",
            cancel=url_for("accounts.authenticator"),
        )
    services.decouple_authenticator(current_user, current_login())
    flash("Uw authenticator is ontkoppeld.", "success")
    return redirect(url_for("accounts.authenticator"), code=303)


@bp.route("/verificatie", methods=["GET", "POST"])
@login_required
@_rate_limited
def step_up():
    """The ways to reach the level asked (the modules' step-up methods); the authenticator's code form is here too."""
    level = request.args.get("level", "EH2+")
    if level not in LEVELS:
        level = "EH2+"
    target = safe_next(request.args.get("next"), url_for("main.home"))
    methods = step_up_methods(level)
    form = TotpCodeForm()
    authenticator = any(method.endpoint == "accounts.step_up" for method in methods)
    if authenticator and form.validate_on_submit():
        try:
            services.step_up(current_user, current_login(), form.code.data)
        except DomainError as error:
            add_error(form, error)
        else:
            flash("U bent ingelogd op betrouwbaarheidsniveau EH2+.", "success")
            return redirect(target, code=303)
    status = form_status(form) if methods else 403  # no way to this level: said plainly, no loop
    return render_template(
        "accounts/step_up.html", form=form, level=level, target=target, methods=methods, authenticator=authenticator
    ), status

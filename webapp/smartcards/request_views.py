"""Registreren organisatie, aanvragen: the public request form and the page that says what happens next."""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for

from webapp.core.errors import DomainError
from webapp.core.forms import add_error, form_status
from webapp.extensions import limiter
from webapp.smartcards import requests
from webapp.smartcards.request_forms import RegistrationRequestForm

bp = Blueprint("smartcard_requests", __name__, url_prefix="/smartcards")


def _limits() -> str:
    return current_app.config["SMARTCARD_REQUEST_LIMITS"]


@bp.route("/aanvragen", methods=["GET", "POST"], endpoint="new")
@limiter.limit(_limits, methods=["POST"], scope="smartcard-request")  # per address, the posts only
def new_request():
    form = RegistrationRequestForm()
    if form.validate_on_submit():
        try:
            requests.submit(form.data)
        except DomainError as error:
            add_error(form, error)
        else:
            flash("Uw aanvraag is verstuurd. U krijgt een ontvangstbevestiging per e-mail.", "success")
            return redirect(url_for("smartcard_requests.received"), code=303)
    return render_template("smartcards/request_new.html", form=form), form_status(form)


@bp.get("/aanvragen/ontvangen")
def received():
    return render_template("smartcards/request_received.html")

"""Back-office for issuer staff: create organisations and invite their contact persons."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from webapp.core.auth import staff_required
from webapp.core.errors import DomainError
from webapp.core.forms import add_error, form_status
from webapp.extensions import db
from webapp.organisations import services as organisation_services
from webapp.organisations.forms import InviteContactForm, StaffOrganisationForm
from webapp.organisations.models import Organisation

bp = Blueprint("backoffice", __name__, url_prefix="/beheer")


@bp.get("")
@staff_required
def index():
    return redirect(url_for("backoffice.organisations"))


@bp.get("/organisaties")
@staff_required
def organisations():
    rows = db.session.execute(select(Organisation).order_by(Organisation.name)).scalars().all()
    return render_template("backoffice/organisations.html", organisations=rows)


@bp.route("/organisaties/nieuw", methods=["GET", "POST"])
@staff_required
def new_organisation():
    form = StaffOrganisationForm()
    if form.validate_on_submit():
        organisation = organisation_services.create_organisation(form.data)
        flash(f"Organisatie {organisation.name} is aangemaakt. Nodig nu een contactpersoon uit.", "success")
        return redirect(url_for("backoffice.organisation", organisation_id=organisation.id), code=303)
    return render_template("backoffice/organisation_form.html", form=form), form_status(form)


@bp.route("/organisaties/<int:organisation_id>", methods=["GET", "POST"])
@staff_required
def organisation(organisation_id):
    organisation = db.session.get(Organisation, organisation_id) or abort(404)
    form = InviteContactForm(role="admin")
    if form.validate_on_submit():
        try:
            membership, _ = organisation_services.add_contact_person(organisation, form.data, granted_by=current_user)
        except DomainError as error:
            add_error(form, error)
        else:
            flash(f"{membership.user.full_name} is uitgenodigd als {membership.role_label.lower()}.", "success")
            return redirect(url_for("backoffice.organisation", organisation_id=organisation.id), code=303)
    return render_template(
        "backoffice/organisation.html", organisation=organisation, form=form,
        members=organisation_services.contact_persons(organisation.id),
    ), form_status(form)

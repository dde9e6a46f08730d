"""Staff pages: every organisation, a new one, and inviting its contact persons."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from webapp.core.errors import DomainError
from webapp.core.forms import add_error, form_status
from webapp.core.staff import staff_blueprint
from webapp.organisations import services
from webapp.organisations.forms import InviteContactForm, StaffOrganisationForm

bp = staff_blueprint("organisations_staff", __name__, "/organisaties")


@bp.get("")
def index():
    return render_template("organisations/staff/index.html", organisations=services.all_organisations())


@bp.route("/nieuw", methods=["GET", "POST"])
def new():
    form = StaffOrganisationForm()
    if form.validate_on_submit():
        organisation = services.create_organisation(form.data)
        flash(f"Organisatie {organisation.name} is aangemaakt. Nodig nu een contactpersoon uit.", "success")
        return redirect(url_for("organisations_staff.organisation", organisation_id=organisation.id), code=303)
    return render_template("organisations/staff/new.html", form=form), form_status(form)


@bp.route("/<int:organisation_id>", methods=["GET", "POST"])
def organisation(organisation_id):
    organisation = services.get_organisation(organisation_id)
    form = InviteContactForm(role="admin")
    if form.validate_on_submit():
        try:
            invitation = services.invite_contact_person(organisation, form.data, invited_by=current_user)
        except DomainError as error:
            add_error(form, error)
        else:
            flash(f"{invitation.name} is uitgenodigd als {invitation.role_label.lower()}.", "success")
            return redirect(url_for("organisations_staff.organisation", organisation_id=organisation.id), code=303)
    return render_template(
        "organisations/staff/organisation.html",
        organisation=organisation,
        form=form,
        members=services.contact_persons(organisation.id),
        invitations=services.open_invitations(organisation.id),
    ), form_status(form)

"""Mijn organisatie: everyone in it reads; admins (beheerders) edit it and its contact persons."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.accounts.services import choose_context
from webapp.accounts.sessions import current_login
from webapp.core.auth import acting, admin_required, login_required, organisation_required
from webapp.core.errors import DomainError
from webapp.core.forms import add_error, form_status
from webapp.organisations import auditlog, services
from webapp.organisations.forms import AuditLogForm, ContactPersonForm, OrganisationForm

bp = Blueprint("organisations", __name__, url_prefix="/mijn-organisatie")


@bp.get("")
@organisation_required
def show():
    context = acting()
    return render_template(
        "organisations/show.html",
        organisation=context.organisation,
        members=services.contact_persons(context.organisation_id),
        invitations=services.open_invitations(context.organisation_id),
        may_edit=context.is_admin,
    )


@bp.route("/aanpassen", methods=["GET", "POST"])
@admin_required
def edit():
    organisation = acting().organisation
    form = OrganisationForm(obj=organisation)
    if form.validate_on_submit():
        services.update_organisation(acting(), form.data)
        flash("De organisatiegegevens zijn aangepast.", "success")
        return redirect(url_for("organisations.show"), code=303)
    return render_template("organisations/edit.html", form=form, organisation=organisation), form_status(form)


@bp.route("/contactpersonen/nieuw", methods=["GET", "POST"])
@admin_required
def add_contact():
    form = ContactPersonForm(role="contact")
    if form.validate_on_submit():
        try:
            invitation = services.add_contact_person(acting(), form.data)
        except DomainError as error:
            add_error(form, error)
        else:
            # only what the admin typed: the same words whether or not the address had an account
            flash(
                f"{invitation.name} is uitgenodigd als {invitation.role_label.lower()}. "
                "Er is een e-mail gestuurd met de uitnodiging.",
                "success",
            )
            return redirect(url_for("organisations.show"), code=303)
    return render_template("organisations/contact_form.html", form=form, membership=None), form_status(form)


@bp.post("/uitnodigingen/<int:invitation_id>/opnieuw-sturen")
@admin_required
def resend_invitation(invitation_id):
    invitation = services.resend_invitation(acting().require_admin(), invitation_id)
    flash(f"De uitnodiging aan {invitation.name} is opnieuw gestuurd.", "success")
    return redirect(url_for("organisations.show"), code=303)


@bp.route("/uitnodigingen/<int:invitation_id>/intrekken", methods=["GET", "POST"])
@admin_required
def revoke_invitation(invitation_id):
    organisation = acting().require_admin()
    invitation = services.get_open_invitation(organisation, invitation_id)
    if request.method == "POST":
        services.revoke_invitation(organisation, invitation_id)
        flash(f"De uitnodiging aan {invitation.name} is ingetrokken.", "success")
        return redirect(url_for("organisations.show"), code=303)
    return render_template(
        "confirm.html",
        title="Uitnodiging intrekken",
        question=f"Weet u zeker dat u de uitnodiging aan {invitation.name} wilt intrekken?",
        explanation="De link in de e-mail werkt daarna niet meer. U kunt de persoon later opnieuw uitnodigen.",
        action=url_for("organisations.revoke_invitation", invitation_id=invitation.id),
        button="Uitnodiging intrekken",
        cancel=url_for("organisations.show"),
    )


@bp.route("/uitnodiging/<token>", methods=["GET", "POST"])
@login_required
def invitation(token):
    """The invited person, logged in as the invited address's account, accepts the membership."""
    invitation = services.invitation_for_link(token)
    if invitation is None:
        return render_template("organisations/invitation_invalid.html", other_account=False), 404
    if invitation.user_id != current_user.id:
        return render_template("organisations/invitation_invalid.html", other_account=True), 404
    if request.method == "POST":
        membership = services.accept_invitation(current_user, invitation)
        choose_context(current_login(), current_user, str(membership.organisation_id))
        flash(f"U bent nu {membership.role_label.lower()} van {membership.organisation.name}.", "success")
        return redirect(url_for("organisations.show"), code=303)
    return render_template("organisations/invitation.html", invitation=invitation)


@bp.route("/contactpersonen/<int:membership_id>/aanpassen", methods=["GET", "POST"])
@admin_required
def edit_contact(membership_id):
    membership = services.get_membership(acting(), membership_id)
    user = membership.user
    form = ContactPersonForm(
        obj=membership,
        email=user.email,
        salutation=user.salutation,
        initials=user.initials,
        first_name=user.first_name,
        infix=user.infix,
        last_name=user.last_name,
        services=sorted(membership.services),
    )
    form.email.render_kw = {"readonly": True}
    form.email.data = user.email  # the address is the person's login; it is not changed here
    if form.validate_on_submit():
        try:
            services.update_contact_person(acting(), membership.id, form.data)
        except DomainError as error:
            add_error(form, error)
        else:
            flash(f"De gegevens van {user.full_name} zijn aangepast.", "success")
            return redirect(url_for("organisations.show"), code=303)
    return render_template("organisations/contact_form.html", form=form, membership=membership), form_status(form)


@bp.route("/contactpersonen/<int:membership_id>/verwijderen", methods=["GET", "POST"])
@admin_required
def remove_contact(membership_id):
    name = services.get_membership(acting(), membership_id).user.full_name
    if request.method == "GET":
        return render_template(
            "confirm.html",
            title="Contactpersoon verwijderen",
            question=f"Weet u zeker dat u {name} wilt verwijderen als contactpersoon?",
            explanation="Deze persoon kan daarna niet meer namens uw organisatie werken.",
            action=url_for("organisations.remove_contact", membership_id=membership_id),
            button="Verwijderen",
            cancel=url_for("organisations.show"),
        )
    try:
        services.remove_contact_person(acting(), membership_id)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(f"{name} is verwijderd als contactpersoon.", "success")
    return redirect(url_for("organisations.show"), code=303)


@bp.get("/logboek")
@admin_required
def audit_log():
    context = acting()
    form = AuditLogForm(request.args, actions=auditlog.organisation_actions(context))
    if not form.validate():
        return render_template("organisations/audit_log.html", form=form, log=None), 400
    return render_template(
        "organisations/audit_log.html", form=form, log=auditlog.organisation_log(context, form.filters(), form.page)
    )

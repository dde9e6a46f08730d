"""Mijn organisatie: everyone in it reads; admins (beheerders) edit it and its contact persons."""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from webapp.core.auth import acting, admin_required, organisation_required
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
            membership, invited = services.add_contact_person(acting(), form.data)
        except DomainError as error:
            add_error(form, error)
        else:
            flash(
                f"{membership.user.full_name} is toegevoegd als contactpersoon."
                + (" Er is een e-mail gestuurd om de toegang te activeren." if invited else ""),
                "success",
            )
            return redirect(url_for("organisations.show"), code=303)
    return render_template("organisations/contact_form.html", form=form, membership=None), form_status(form)


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


@bp.post("/contactpersonen/<int:membership_id>/verwijderen")
@admin_required
def remove_contact(membership_id):
    name = services.get_membership(acting(), membership_id).user.full_name
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

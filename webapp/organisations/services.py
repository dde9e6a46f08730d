"""Rules for an organisation's data, its contact persons and their mandates.

An organisation's admin (beheerder) acts through the ActingContext, which these functions check
themselves; the issuer's staff reach the same rules through the staff pages, for any organisation.
"""

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.accounts import services as accounts
from webapp.accounts.models import Mandate, Membership, Organisation, User
from webapp.core.audit import audit
from webapp.core.auth import ActingContext
from webapp.core.errors import DomainError, NotFound
from webapp.core.modules import mandate_services
from webapp.core.signals import membership_changed
from webapp.extensions import db

ORGANISATION_FIELDS = ("name", "kind", "kvk_number", "email", "phone", "street", "house_number", "postcode", "city")
PERSON_FIELDS = ("salutation", "initials", "first_name", "infix", "last_name")


def _clean(value):
    return value.strip() if isinstance(value, str) else value


# --- the issuer's staff --------------------------------------------------------------------------


def all_organisations() -> list[Organisation]:
    return list(db.session.execute(select(Organisation).order_by(Organisation.name)).scalars())


def get_organisation(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound()
    return organisation


def create_organisation(data: dict) -> Organisation:
    organisation = Organisation(**{name: _clean(data[name]) for name in ORGANISATION_FIELDS if name in data})
    db.session.add(organisation)
    db.session.flush()
    audit("organisation.created", organisation_id=organisation.id, subject=f"organisation:{organisation.id}")
    return organisation


def invite_contact_person(organisation: Organisation, data: dict, granted_by: User | None) -> tuple[Membership, bool]:
    """Link a person (an existing account or a new one) to the organisation; someone without an
    active account gets the activation mail as invitation.

    Returns the membership and whether it was sent.
    """
    user = accounts.find_user(data["email"])
    if user is not None and any(m.organisation_id == organisation.id for m in user.memberships):
        raise DomainError("Deze persoon is al contactpersoon van uw organisatie.", field="email")
    if user is None:
        user = accounts.create_account(data["email"], **{name: _clean(data.get(name) or "") for name in PERSON_FIELDS})
    membership = Membership(
        user=user,
        organisation=organisation,
        role=data["role"],
        job_title=_clean(data.get("job_title") or ""),
        work_phone=_clean(data.get("work_phone") or ""),
    )
    db.session.add(membership)
    _set_mandates(membership, data.get("services") or [], granted_by)
    db.session.flush()
    audit("membership.added", organisation_id=organisation.id, subject=f"user:{user.id}", role=membership.role)
    invited = not user.is_activated
    if invited:
        accounts.send_activation(user, organisation.name)
    return membership, invited


# --- Mijn organisatie: its members read, its admin edits -------------------------------------------


def update_organisation(context: ActingContext, data: dict) -> Organisation:
    organisation = context.require_admin()
    for name in ORGANISATION_FIELDS:
        if name in data and name != "kind":
            setattr(organisation, name, _clean(data[name]))
    audit("organisation.changed", organisation_id=organisation.id, subject=f"organisation:{organisation.id}")
    return organisation


def contact_persons(organisation_id: int) -> list[Membership]:
    return list(
        db.session.execute(
            select(Membership)
            .join(Membership.user)
            .options(selectinload(Membership.mandates), selectinload(Membership.user))
            .where(Membership.organisation_id == organisation_id)
            .order_by(User.last_name, User.first_name)
        ).scalars()
    )


def get_membership(context: ActingContext, membership_id: int) -> Membership:
    """A membership of the admin's organisation; NotFound for anyone else's."""
    organisation = context.require_admin()
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.organisation_id != organisation.id:
        raise NotFound()
    return membership


def add_contact_person(context: ActingContext, data: dict) -> tuple[Membership, bool]:
    return invite_contact_person(context.require_admin(), data, granted_by=context.user)


def update_contact_person(context: ActingContext, membership_id: int, data: dict) -> Membership:
    membership = get_membership(context, membership_id)
    if membership.role == "admin" and data["role"] != "admin":
        _keep_an_admin(membership)
    if not membership.user.is_activated:  # an invited person's name may still be corrected
        for name in PERSON_FIELDS:
            setattr(membership.user, name, _clean(data.get(name) or ""))
    membership.role = data["role"]
    membership.job_title = _clean(data.get("job_title") or "")
    membership.work_phone = _clean(data.get("work_phone") or "")
    _set_mandates(membership, data.get("services") or [], context.user)
    audit(
        "membership.changed",
        organisation_id=membership.organisation_id,
        subject=f"user:{membership.user_id}",
        role=membership.role,
        services=sorted(membership.services),
    )
    membership_changed.send(current_app._get_current_object(), user_id=membership.user_id)
    return membership


def remove_contact_person(context: ActingContext, membership_id: int) -> Membership:
    membership = get_membership(context, membership_id)
    if membership.role == "admin":
        _keep_an_admin(membership)
    audit("membership.removed", organisation_id=membership.organisation_id, subject=f"user:{membership.user_id}")
    db.session.delete(membership)
    db.session.flush()
    membership_changed.send(current_app._get_current_object(), user_id=membership.user_id)
    return membership


def _keep_an_admin(membership: Membership) -> None:
    admins = (
        db.session.execute(
            select(Membership.id)
            .where(Membership.organisation_id == membership.organisation_id, Membership.role == "admin")
            .with_for_update()
        )
        .scalars()
        .all()
    )
    if admins == [membership.id]:
        raise DomainError("Een organisatie heeft altijd minstens één beheerder.", field="role")


def _set_mandates(membership: Membership, services: list[str], granted_by: User | None) -> None:
    wanted = {service for service in services if service in mandate_services()}
    for mandate in list(membership.mandates):
        if mandate.service not in wanted:
            membership.mandates.remove(mandate)
    for service in wanted - membership.services:
        membership.mandates.append(Mandate(service=service, granted_by_id=granted_by.id if granted_by else None))

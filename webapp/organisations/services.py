"""Rules for an organisation's data, its contact persons and their mandates."""
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.accounts import services as accounts
from webapp.accounts.models import User
from webapp.core.audit import audit
from webapp.core.auth import SERVICES
from webapp.core.errors import DomainError, NotFound
from webapp.core.signals import membership_changed
from webapp.extensions import db
from webapp.organisations.models import Mandate, Membership, Organisation

ORGANISATION_FIELDS = ("name", "kind", "kvk_number", "email", "phone", "street", "house_number", "postcode", "city")
PERSON_FIELDS = ("salutation", "initials", "first_name", "infix", "last_name")


def _clean(value):
    return value.strip() if isinstance(value, str) else value


def create_organisation(data: dict) -> Organisation:
    organisation = Organisation(**{name: _clean(data[name]) for name in ORGANISATION_FIELDS if name in data})
    db.session.add(organisation)
    db.session.flush()
    audit("organisation.created", organisation_id=organisation.id, subject=f"organisation:{organisation.id}")
    db.session.commit()
    return organisation


def update_organisation(organisation: Organisation, data: dict) -> None:
    for name in ORGANISATION_FIELDS:
        if name in data and name != "kind":
            setattr(organisation, name, _clean(data[name]))
    audit("organisation.changed", organisation_id=organisation.id, subject=f"organisation:{organisation.id}")
    db.session.commit()


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


def get_membership(organisation_id: int, membership_id: int) -> Membership:
    """A membership of this organisation; NotFound for anyone else's."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.organisation_id != organisation_id:
        raise NotFound()
    return membership


def add_contact_person(organisation: Organisation, data: dict, granted_by: User | None) -> tuple[Membership, bool]:
    """Link a person (an existing account or a new one) to the organisation; someone without an
    active account gets the activation mail as invitation.

    Returns the membership and whether it was sent.
    """
    user = accounts.find_user(data["email"])
    if user is None:
        user = accounts.create_account(data["email"], **{name: _clean(data.get(name) or "") for name in PERSON_FIELDS})
    elif any(m.organisation_id == organisation.id for m in user.memberships):
        raise DomainError("Deze persoon is al contactpersoon van uw organisatie.", field="email")
    membership = Membership(
        user=user, organisation=organisation, role=data["role"],
        job_title=_clean(data.get("job_title") or ""), work_phone=_clean(data.get("work_phone") or ""),
    )
    db.session.add(membership)
    _set_mandates(membership, data.get("services") or [], granted_by)
    db.session.flush()
    audit("membership.added", organisation_id=organisation.id, subject=f"user:{user.id}", role=membership.role)
    db.session.commit()
    invited = not user.is_activated
    if invited:
        accounts.send_activation(user, organisation.name)
    return membership, invited


def update_contact_person(membership: Membership, data: dict, granted_by: User) -> None:
    if membership.role == "admin" and data["role"] != "admin":
        _keep_an_admin(membership)
    if not membership.user.is_activated:  # an invited person's name may still be corrected
        for name in PERSON_FIELDS:
            setattr(membership.user, name, _clean(data.get(name) or ""))
    membership.role = data["role"]
    membership.job_title = _clean(data.get("job_title") or "")
    membership.work_phone = _clean(data.get("work_phone") or "")
    _set_mandates(membership, data.get("services") or [], granted_by)
    audit("membership.changed", organisation_id=membership.organisation_id, subject=f"user:{membership.user_id}",
          role=membership.role, services=sorted(membership.services))
    membership_changed.send(current_app._get_current_object(), user_id=membership.user_id)
    db.session.commit()


def remove_contact_person(membership: Membership) -> None:
    if membership.role == "admin":
        _keep_an_admin(membership)
    audit("membership.removed", organisation_id=membership.organisation_id, subject=f"user:{membership.user_id}")
    db.session.delete(membership)
    membership_changed.send(current_app._get_current_object(), user_id=membership.user_id)
    db.session.commit()


def _keep_an_admin(membership: Membership) -> None:
    admins = db.session.execute(
        select(Membership.id).where(Membership.organisation_id == membership.organisation_id, Membership.role == "admin")
        .with_for_update()
    ).scalars().all()
    if admins == [membership.id]:
        raise DomainError("Een organisatie heeft altijd minstens één beheerder.", field="role")


def _set_mandates(membership: Membership, services: list[str], granted_by: User | None) -> None:
    wanted = {service for service in services if service in SERVICES}
    for mandate in list(membership.mandates):
        if mandate.service not in wanted:
            membership.mandates.remove(mandate)
    for service in wanted - membership.services:
        membership.mandates.append(Mandate(service=service, granted_by_id=granted_by.id if granted_by else None))

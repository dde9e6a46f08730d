"""Rules for an organisation's data, its contact persons and their mandates.

An organisation's admin (beheerder) acts through the ActingContext, which these functions check
themselves; the issuer's staff reach the same rules through the staff pages, for any organisation.
"""

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.accounts import services as accounts
from webapp.accounts.models import Mandate, Membership, Organisation, User
from webapp.core import tokens
from webapp.core.audit import audit
from webapp.core.auth import ActingContext
from webapp.core.errors import DomainError, NotFound
from webapp.core.mail import send_mail
from webapp.core.modules import mandate_services
from webapp.core.signals import account_activated, membership_changed
from webapp.core.timeutil import utcnow
from webapp.extensions import db
from webapp.organisations.models import STATES, Invitation

ORGANISATION_FIELDS = ("name", "kind", "kvk_number", "email", "phone", "street", "house_number", "postcode", "city")
PERSON_FIELDS = ("salutation", "initials", "first_name", "infix", "last_name")
INVITATION = "invitation"  # the purpose of an invitation link's signed token


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


def invite_contact_person(organisation: Organisation, data: dict, invited_by: User | None) -> Invitation:
    """Invite a person (an existing account or a new one) to become a contact person. The membership
    exists only once they accept (or activate the new account); until then the organisation sees the
    name it typed, and whether the address already had an account is not told."""
    user = accounts.find_user(data["email"])
    if user is not None and any(m.organisation_id == organisation.id for m in user.memberships):
        raise DomainError("Deze persoon is al contactpersoon van uw organisatie.", field="email")
    if user is not None and _open_invitation(organisation.id, user.id) is not None:
        raise DomainError("Deze persoon is al uitgenodigd. Stuur de uitnodiging zo nodig opnieuw.", field="email")
    names = {name: _clean(data.get(name) or "") for name in PERSON_FIELDS}
    if user is None:
        user = accounts.create_account(data["email"], **names)
    invitation = Invitation(
        organisation=organisation,
        user=user,
        name=typed_name(data),
        role=data["role"],
        job_title=_clean(data.get("job_title") or ""),
        work_phone=_clean(data.get("work_phone") or ""),
        services=",".join(sorted(set(data.get("services") or []) & set(mandate_services()))),
        invited_by_id=invited_by.id if invited_by else None,
    )
    db.session.add(invitation)
    db.session.flush()
    audit(
        "invitation.sent",
        organisation_id=organisation.id,
        subject=f"invitation:{invitation.id}",
        new_state="invited",
        role=invitation.role,
    )
    _mail_invitation(invitation)
    return invitation


def typed_name(data: dict) -> str:
    return " ".join(_clean(data.get(name) or "") for name in ("first_name", "infix", "last_name") if data.get(name))


def open_invitations(organisation_id: int) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .options(selectinload(Invitation.user))
            .where(Invitation.organisation_id == organisation_id, Invitation.state == "invited")
            .order_by(Invitation.name, Invitation.id)
        )
    )


def get_open_invitation(organisation: Organisation, invitation_id: int) -> Invitation:
    """An open invitation of this organisation; NotFound for anyone else's."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != organisation.id or invitation.state != "invited":
        raise NotFound()
    return invitation


def resend_invitation(organisation: Organisation, invitation_id: int) -> Invitation:
    invitation = get_open_invitation(organisation, invitation_id)
    invitation.sent_count += 1
    invitation.sent_at = utcnow()
    audit("invitation.resent", organisation_id=organisation.id, subject=f"invitation:{invitation.id}")
    _mail_invitation(invitation)
    return invitation


def revoke_invitation(organisation: Organisation, invitation_id: int) -> Invitation:
    invitation = get_open_invitation(organisation, invitation_id)
    _move(invitation, "revoked")
    return invitation


def invitation_for_link(token: str) -> Invitation | None:
    """The open invitation a mailed link is for, while the link is fresh and the newest one sent."""
    found = tokens.read_token(INVITATION, token, current_app.config["TOKEN_MAX_AGE"])
    if found is None:
        return None
    invitation = db.session.get(Invitation, found[0])
    if invitation is None or tokens.fingerprint(_link_state(invitation)) != found[1] or invitation.state != "invited":
        return None
    return invitation


def accept_invitation(user: User, invitation: Invitation) -> Membership:
    """The invited account says yes: from now on it is a member, with the role and mandates offered."""
    if invitation.user_id != user.id:
        raise NotFound()
    _move(invitation, "accepted", actor_id=user.id)
    membership = next((m for m in user.memberships if m.organisation_id == invitation.organisation_id), None)
    if membership is None:
        membership = Membership(
            user=user,
            organisation=invitation.organisation,
            role=invitation.role,
            job_title=invitation.job_title,
            work_phone=invitation.work_phone,
        )
        db.session.add(membership)
        _set_mandates(membership, invitation.service_list, invitation.invited_by)
        db.session.flush()
        audit(
            "membership.added",
            organisation_id=invitation.organisation_id,
            subject=f"user:{user.id}",
            actor_id=user.id,
            role=membership.role,
        )
        membership_changed.send(current_app._get_current_object(), user_id=user.id)
    return membership


@account_activated.connect
def _accept_on_activation(sender, user: User, **extra) -> None:
    """Activating the account an invitation made is the answer to that invitation (its mail said so)."""
    invitations = db.session.scalars(
        select(Invitation).where(Invitation.user_id == user.id, Invitation.state == "invited")
    ).all()
    for invitation in invitations:
        accept_invitation(user, invitation)


def _open_invitation(organisation_id: int, user_id: int) -> Invitation | None:
    return db.session.scalars(
        select(Invitation).where(
            Invitation.organisation_id == organisation_id,
            Invitation.user_id == user_id,
            Invitation.state == "invited",
        )
    ).first()


def _move(invitation: Invitation, state: str, actor_id: int | None = None) -> None:
    if state not in STATES[invitation.state].next:
        raise DomainError("Deze uitnodiging is al aangenomen of ingetrokken.")
    old, invitation.state, invitation.decided_at = invitation.state, state, utcnow()
    audit(
        f"invitation.{state}",
        organisation_id=invitation.organisation_id,
        subject=f"invitation:{invitation.id}",
        old_state=old,
        new_state=state,
        actor_id=actor_id,
    )


def _link_state(invitation: Invitation) -> str:
    return f"{invitation.state}:{invitation.sent_count}"


def invitation_link(invitation: Invitation) -> str:
    """The link a known account accepts with; it stops working once the invitation is sent again or closed."""
    token = tokens.make_token(INVITATION, invitation.id, _link_state(invitation))
    return current_app.config["PUBLIC_URL"] + url_for("organisations.invitation", token=token)


def _mail_invitation(invitation: Invitation) -> None:
    """A known account gets a link to accept; a new one the activation link, which accepts as it activates."""
    user = invitation.user
    if user.is_activated:
        link = invitation_link(invitation)
        subject = f"Uitnodiging van {invitation.organisation.name} in Loket"
    else:
        link = accounts.link_for(accounts.ACTIVATE, user)
        subject = f"Activeer uw toegang tot Loket: uitnodiging van {invitation.organisation.name}"
    send_mail(
        user.email,
        subject,
        "organisations_invitation",
        invitation=invitation,
        new_account=not user.is_activated,
        inviter=invitation.invited_by.full_name if invitation.invited_by else "",
        link=link,
        valid_hours=current_app.config["TOKEN_MAX_AGE"] // 3600,
    )


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


def add_contact_person(context: ActingContext, data: dict) -> Invitation:
    return invite_contact_person(context.require_admin(), data, invited_by=context.user)


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

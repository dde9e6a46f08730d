"""The mails a registered person gets: linked, unlinked (now or on the planned date), a link request answered.
Sent after the commit (core.mail); a person without an e-mail address for notices gets none. No BSN in them."""

from flask import current_app

from webapp.core.mail import send_mail
from webapp.core.timeutil import format_date
from webapp.register.models import Link, LinkRequest, RegisteredPerson

SUBJECTS = {
    "linked": "U bent gekoppeld in het Personenregister kinderopvang",
    "unlinked": "U bent ontkoppeld in het Personenregister kinderopvang",
    "accepted": "Uw koppelverzoek is geaccepteerd",
    "rejected": "Uw koppelverzoek is afgewezen",
}


def _send(person: RegisteredPerson, kind: str, **context) -> None:
    if not person.email:
        return
    send_mail(
        person.email,
        SUBJECTS[kind],
        "register_notice",
        kind=kind,
        name=person.name,
        public_url=current_app.config["PUBLIC_URL"],
        **context,
    )


def linked(link: Link) -> None:
    _send(link.person, "linked", organisation_name=link.organisation.name, unlink_on=format_date(link.unlink_on))


def unlinked(link: Link) -> None:
    _send(link.person, "unlinked", organisation_name=link.organisation.name, on=format_date(link.unlinked_at))


def request_answered(request: LinkRequest) -> None:
    _send(request.person, request.state, organisation_name=request.organisation.name, reason=request.reason)

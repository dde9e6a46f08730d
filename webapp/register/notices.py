"""The mails a registered person gets: linked, unlinked (now or on the planned date), a link request answered.
Sent after the commit (core.mail); a person without an e-mail address for notices gets none. No BSN in them."""

from flask import current_app

from webapp.core.mail import send_mail, send_mails
from webapp.core.timeutil import format_date
from webapp.register.models import Link, LinkRequest, RegisteredPerson

SUBJECTS = {
    "linked": "U bent gekoppeld in het Personenregister kinderopvang",
    "unlinked": "U bent ontkoppeld in het Personenregister kinderopvang",
    "accepted": "Uw koppelverzoek is geaccepteerd",
    "rejected": "Uw koppelverzoek is afgewezen",
    "enrolled": "U bent ingeschreven in het Personenregister kinderopvang",
    "deregistered": "U bent uitgeschreven uit het Personenregister kinderopvang",
}


def _send(person: RegisteredPerson, kind: str, **context) -> None:
    if not person.email:
        return
    send_mail(person.email, SUBJECTS[kind], "register_notice", **_context(person, kind, context))


def _context(person: RegisteredPerson, kind: str, context: dict) -> dict:
    # core.mail adds the .txt to the template's name
    return dict(kind=kind, name=person.name, public_url=current_app.config["PUBLIC_URL"], **context)


def _send_many(kind: str, people_and_contexts) -> int:
    """One mail of `kind` to each (person, context) with an address, written together (core.mail.send_mails)."""
    return send_mails(
        (person.email, SUBJECTS[kind], "register_notice", _context(person, kind, context))
        for person, context in people_and_contexts
        if person.email
    )


def linked(link: Link) -> None:
    _send(link.person, "linked", organisation_name=link.organisation.name, unlink_on=format_date(link.unlink_on))


def unlinked(link: Link) -> None:
    _send(link.person, "unlinked", organisation_name=link.organisation.name, on=format_date(link.unlinked_at))


def linked_many(links: list[Link]) -> int:
    """`linked` for each of many links (an upload's rows), the mails written together."""
    return _send_many(
        "linked",
        (
            (link.person, {"organisation_name": link.organisation.name, "unlink_on": format_date(link.unlink_on)})
            for link in links
        ),
    )


def unlinked_many(links: list[Link]) -> int:
    """`unlinked` for each of many links (the planned-unlink job's follow-up), the mails written together."""
    return _send_many(
        "unlinked",
        (
            (link.person, {"organisation_name": link.organisation.name, "on": format_date(link.unlinked_at)})
            for link in links
        ),
    )


def request_answered(request: LinkRequest) -> None:
    _send(request.person, request.state, organisation_name=request.organisation.name, reason=request.reason)


def enrolled(person: RegisteredPerson) -> None:
    """The person's own confirmation of their enrolment (and of the address notices go to)."""
    _send(person, "enrolled")


def deregistered(person: RegisteredPerson) -> None:
    """The confirmation of deregistering: called before deregistering clears the address (the mail is composed
    at once, sent after the commit)."""
    _send(person, "deregistered")

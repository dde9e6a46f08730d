"""The mails a registered person gets: linked, unlinked (now or on the planned date), a link request answered.
Sent after the commit (core.mail); a person without an e-mail address for notices gets none. No BSN in them.

Linking and the planned-unlink job do not compose their mails while the organisation (or the job's transaction)
waits: `pend` notes them (register_pending_notices, one INSERT) and starts `send_pending` after the commit, which
takes the notes (DELETE ... RETURNING: only one taker gets a row, so each person is mailed once) and composes the
mails together; `send_overdue` (periodic) takes the notes whose job never ran."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import joinedload

from webapp.core.jobs import enqueue_after_commit
from webapp.core.mail import send_mail, send_mails
from webapp.core.timeutil import format_date, utcnow
from webapp.extensions import db
from webapp.register.models import Link, LinkRequest, PendingNotice, RegisteredPerson

BATCH = 1000
OVERDUE = timedelta(minutes=10)  # a note its job has not taken by then: the sweep takes it

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


def pend(kind: str, link_ids: list[int]) -> None:
    """Note the `kind` ("linked", "unlinked") mails of these links in the current transaction, and start the job
    that composes them once it commits (a rolled-back change notes and starts nothing)."""
    for first in range(0, len(link_ids), BATCH):
        chunk = list(link_ids[first : first + BATCH])
        db.session.execute(insert(PendingNotice), [{"link_id": link_id, "kind": kind} for link_id in chunk])
        enqueue_after_commit(send_pending, kind, chunk)


def send_pending(kind: str, link_ids: list[int]) -> str:
    """Job: take the notes of these links that are still there and mail their persons (composed together)."""
    taken = list(
        db.session.scalars(
            delete(PendingNotice)
            .where(PendingNotice.kind == kind, PendingNotice.link_id.in_(link_ids))
            .returning(PendingNotice.link_id),
            execution_options={"synchronize_session": False},
        )
    )
    links = db.session.scalars(
        select(Link)
        .options(joinedload(Link.person).defer(RegisteredPerson.bsn_sealed), joinedload(Link.organisation))
        .where(Link.id.in_(sorted(set(taken))))
        .order_by(Link.id)
    ).all()
    sent = linked_many(links) if kind == "linked" else unlinked_many(links)
    return f"{sent} e-mail(s)"


def send_overdue() -> str:
    """Periodic: mail the notes whose job never ran (the queue was unreachable at the commit)."""
    sent = 0
    for kind in ("linked", "unlinked"):
        while True:
            link_ids = list(
                db.session.scalars(
                    select(PendingNotice.link_id)
                    .where(PendingNotice.kind == kind, PendingNotice.created_at < utcnow() - OVERDUE)
                    .order_by(PendingNotice.id)
                    .limit(BATCH)
                )
            )
            if not link_ids:
                break
            sent += int(send_pending(kind, link_ids).split()[0])
    return f"{sent} e-mail(s) alsnog opgesteld"

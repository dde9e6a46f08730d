"""What the register keeps: the persons enrolled in it, their links to organisations (with history: a person
linked, unlinked and linked again has two rows), the link requests persons send, and the sessions of those who
came in through eHerkenning or DigiD. States: see states.py."""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.accounts.models import Organisation
from webapp.core.bsn import HasBSN
from webapp.core.timeutil import UTCDateTime, utcnow
from webapp.extensions import db

LINKED = "state = 'linked'"
OPEN = "state = 'open'"
ENDED = (text("(unlinked_at IS NULL)"), "unlinked_at", text("(unlink_on IS NULL)"), "unlink_on", "id")


class RegisteredPerson(HasBSN, db.Model):
    """A person enrolled (ingeschreven) in the childcare person register: one row per BSN, kept when they
    deregister so their links' history stays whole."""

    __tablename__ = "register_persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    bsn_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # one person per BSN
    first_name: Mapped[str] = mapped_column(String(100))
    infix: Mapped[str] = mapped_column(String(30), default="")  # tussenvoegsel
    last_name: Mapped[str] = mapped_column(String(100))
    # "winter roos de": lower case, surname first; what lists sort and search by name on
    sort_name: Mapped[str] = mapped_column(String(240), index=True)
    birth_date: Mapped[date] = mapped_column(Date)
    email: Mapped[str] = mapped_column(String(254), default="")  # for notices
    state: Mapped[str] = mapped_column(String(16), default="enrolled")  # states.PERSON_STATES
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deregistered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.infix, self.last_name) if part)

    def set_name(self, first_name: str, infix: str, last_name: str) -> None:
        self.first_name, self.infix, self.last_name = first_name.strip(), infix.strip(), last_name.strip()
        self.sort_name = " ".join(part for part in (self.last_name, self.first_name, self.infix) if part).lower()


class Link(db.Model):
    """A person linked (gekoppeld) to an organisation, from `linked_at` until `unlinked_at`; `unlink_on` is the
    planned unlink date (ontkoppelen op), which the periodic job carries out at the start of that day."""

    __tablename__ = "register_links"
    __table_args__ = (
        # One active link per person and organisation, also when two employees link at once.
        Index(
            "ux_register_links_active",
            "person_id",
            "organisation_id",
            unique=True,
            sqlite_where=text(LINKED),
            postgresql_where=text(LINKED),
        ),
        Index("ix_register_links_person_state", "person_id", "state"),
        # Uw koppelingen: an index per sort, with and without the state filter, each ending in the id that breaks
        # ties, so a page (also a deep one) is read from the index in order (register_0002)
        Index("ix_register_links_org_name", "organisation_id", "sort_name", "id"),
        Index("ix_register_links_org_state_name", "organisation_id", "state", "sort_name", "id"),
        Index("ix_register_links_org_linked", "organisation_id", "linked_at", "id"),
        Index("ix_register_links_org_state_linked", "organisation_id", "state", "linked_at", "id"),
        # ontkoppeld op: the empty dates last (first when descending), by their "IS NULL" (register_0005)
        Index("ix_register_links_org_ended", "organisation_id", *ENDED),
        Index("ix_register_links_org_state_ended", "organisation_id", "state", *ENDED),
        # Gepland: its state among the columns, so SQLite's planner prefers it to the state's other indexes
        # (register_0005), and the planned date, so a count reads this index alone
        Index(
            "ix_register_links_org_planned",
            "organisation_id",
            "state",
            "sort_name",
            "id",
            "unlink_on",
            sqlite_where=text(f"{LINKED} AND unlink_on IS NOT NULL"),
            postgresql_where=text(f"{LINKED} AND unlink_on IS NOT NULL"),
        ),
        # the planned-unlink job: the links due by today
        Index(
            "ix_register_links_planned",
            "unlink_on",
            sqlite_where=text(f"{LINKED} AND unlink_on IS NOT NULL"),
            postgresql_where=text(f"{LINKED} AND unlink_on IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("register_persons.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default="linked")  # states.LINK_STATES
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    unlink_on: Mapped[date | None] = mapped_column(Date)
    unlinked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unlinked_by: Mapped[str] = mapped_column(String(16), default="")  # the action: "unlink" or "unlink_planned"
    # the person's sort_name, copied by database triggers (on insert, and when the person's name changes), so that
    # Uw koppelingen sorts and searches by name in the links' own indexes (register_0002)
    sort_name: Mapped[str] = mapped_column(String(240), server_default="")

    person: Mapped[RegisteredPerson] = relationship()
    organisation: Mapped[Organisation] = relationship()


class LinkWord(db.Model):
    """A word of a link's sort_name (the person's name parts, lower case): Uw koppelingen finds the links whose name
    has a part that starts with a typed word through one index. Kept by database triggers from the link's sort_name,
    so every way a link is made or a name changes keeps it right (register_0003).

    Each row also carries what the list's search counts, filters and sorts by: the word before it among the link's
    different words in sorted order ('' for the first; a link's first word that starts with a typed word is the one
    whose previous word does not, so a search counts each link once), the link's sort_name, state and dates. The
    triggers copy them whenever the link's change (register_0005), so a search reads the words' index alone."""

    __tablename__ = "register_link_words"
    __table_args__ = (
        # the search: a typed word's rows, per word in name order, with every column the search reads
        Index(
            "ix_register_link_words_lookup",
            "organisation_id",
            "word",
            "sort_name",
            "link_id",
            "previous_word",
            "state",
            "unlink_on",
            "linked_at",
            "unlinked_at",
        ),
    )

    link_id: Mapped[int] = mapped_column(ForeignKey("register_links.id", ondelete="CASCADE"), primary_key=True)
    word: Mapped[str] = mapped_column(String(240), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    previous_word: Mapped[str] = mapped_column(String(240))
    sort_name: Mapped[str] = mapped_column(String(240))
    state: Mapped[str] = mapped_column(String(16))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    unlink_on: Mapped[date | None] = mapped_column(Date)
    unlinked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LinkRequest(db.Model):
    """A koppelverzoek: a registered person asks an organisation to link them."""

    __tablename__ = "register_link_requests"
    __table_args__ = (
        Index(
            "ux_register_link_requests_open",
            "person_id",
            "organisation_id",
            unique=True,
            sqlite_where=text(OPEN),
            postgresql_where=text(OPEN),
        ),
        Index("ix_register_link_requests_organisation_state", "organisation_id", "state", "created_at"),
        Index("ix_register_link_requests_person", "person_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("register_persons.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default="open")  # states.REQUEST_STATES
    reason: Mapped[str] = mapped_column(String(500), default="")  # why it was rejected, when the organisation says
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[RegisteredPerson] = relationship()
    organisation: Mapped[Organisation] = relationship()


class RegisterSession(HasBSN, db.Model):
    """A session that came in through eHerkenning (an organisation's employee) or DigiD (a person), kept on the
    server like a login session: the cookie carries a random token, this row its hash; logging out deletes it.

    eHerkenning: the organisation found by the token's KvK number (and branch), the employee's pseudonymous id,
    the level its `acr` maps to, and whether it carries the register's mandate. DigiD: the person's BSN (sealed,
    with its keyed hash) and what the token says of their name and birth date."""

    __tablename__ = "register_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    via: Mapped[str] = mapped_column(String(16))  # "eherkenning" or "digid"
    level: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(255), default="")  # eHerkenning: the employee's pseudonym
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    mandated: Mapped[bool] = mapped_column(Boolean, default=False)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    infix: Mapped[str] = mapped_column(String(30), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship()


class PendingNotice(db.Model):
    """A person's mail about a link (linked, unlinked on its planned date) that is still to be composed: written with
    the change in its transaction, taken (deleted) by the job that composes and queues the mail after the commit
    (notices.send_pending), and by the periodic sweep when that job never ran (the queue was unreachable at the
    commit). Whoever deletes the row mails the person: once."""

    __tablename__ = "register_pending_notices"
    __table_args__ = (
        Index("ix_register_pending_notices_link", "link_id", "kind"),
        Index("ix_register_pending_notices_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("register_links.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # "linked" or "unlinked"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

"""What the smartcards module keeps: registration requests, the cards it issues and their history, and the
credential cards employees have shown it (for the list of those about to expire)."""

import re
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, event, inspect, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.accounts.models import Organisation, User
from webapp.core.timeutil import UTCDateTime, utcnow
from webapp.extensions import db

# A request holds its subscriber number until it is rejected (request_states.STATES): while one is open, a second
# request for that number is refused.
OPEN_STATES = ("submitted", "accepted", "validated")
OPEN_REQUEST = "state IN ({})".format(", ".join(f"'{state}'" for state in OPEN_STATES))

WORD_LENGTH = 64
_REWRITTEN = ("holder_name", "card_serial", "certificate_serial", "organisation_id")  # the words themselves
_CARRIED = ("state", "expires_on")  # only carried in the rows


class RegistrationRequest(db.Model):
    """Registreren organisatie, aanvragen: an organisation asks to use smartcards. Staff accept or reject it;
    the representative validates an accepted one with a care-provider card whose subscriber number matches."""

    __tablename__ = "smartcard_registration_requests"
    __table_args__ = (
        # One open request per subscriber number, also when two arrive at once (the service says why first).
        Index(
            "ux_smartcard_registration_requests_open_subscriber",
            "subscriber_number",
            unique=True,
            sqlite_where=text(OPEN_REQUEST),
            postgresql_where=text(OPEN_REQUEST),
        ),
        Index("ix_smartcard_registration_requests_state_created", "state", "created_at"),  # the staff's list
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_name: Mapped[str] = mapped_column(String(160))
    kvk_number: Mapped[str] = mapped_column(String(8))
    subscriber_number: Mapped[str] = mapped_column(String(8), index=True)  # abonneenummer in the UZI register
    street: Mapped[str] = mapped_column(String(120))
    house_number: Mapped[str] = mapped_column(String(20))
    postcode: Mapped[str] = mapped_column(String(10))
    city: Mapped[str] = mapped_column(String(80))
    representative_name: Mapped[str] = mapped_column(String(240))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(12), default="submitted")  # see request_states.STATES
    reason: Mapped[str] = mapped_column(String(500), default="")  # why it was rejected
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    validated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"), index=True)

    organisation: Mapped[Organisation | None] = relationship()
    decided_by: Mapped[User | None] = relationship()


class Smartcard(db.Model):
    """A card the portal issues (the manual's ZORG-ID Smartcard), in one of states.STATES."""

    __tablename__ = "smartcards"
    __table_args__ = (
        # the administrator's list: each sort and status filter within the organisation reads an index in list
        # order (the id breaks ties), so a page is found without sorting the organisation's cards; the name
        # indexes also hold what the status filter reads, so its pages come from the index alone
        Index("ix_smartcards_organisation_state_holder", "organisation_id", "state", "holder_name", "id", "expires_on"),
        Index("ix_smartcards_organisation_state_expires", "organisation_id", "state", "expires_on", "id"),
        Index("ix_smartcards_organisation_holder", "organisation_id", "holder_name", "id", "state", "expires_on"),
        Index("ix_smartcards_organisation_card_serial", "organisation_id", "card_serial"),
        # with the id: the cards without a certificate yet (all NULL) are ordered by it from the index alone
        Index("ix_smartcards_organisation_certificate_serial", "organisation_id", "certificate_serial", "id"),
        Index("ix_smartcards_organisation_issued", "organisation_id", "issued_on", "id"),
        Index("ix_smartcards_organisation_expires", "organisation_id", "expires_on", "id"),
        Index("ix_smartcards_organisation_last_used", "organisation_id", "last_used_at", "id"),
        Index("ix_smartcards_organisation_created", "organisation_id", "created_at"),
        Index("ix_smartcards_state", "state", "id"),  # the CRL: every organisation's revoked cards
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    holder_name: Mapped[str] = mapped_column(String(240))
    credential_number: Mapped[str] = mapped_column(String(20), default="")  # the UZI number it was made with
    card_serial: Mapped[str] = mapped_column(String(32), unique=True)  # in the certificate's subject
    certificate_serial: Mapped[str | None] = mapped_column(String(40), unique=True)  # hex, once issued
    certificate: Mapped[bytes | None] = mapped_column(LargeBinary)  # DER
    state: Mapped[str] = mapped_column(String(16), default="blank")  # see states.STATES
    issued_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the CRL's revocation date
    revocation_reason: Mapped[str] = mapped_column(String(12), default="")  # a key of states.REASONS
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    holder: Mapped[User | None] = relationship()
    events: Mapped[list["SmartcardEvent"]] = relationship(
        back_populates="smartcard", cascade="all, delete-orphan", order_by="SmartcardEvent.id"
    )


class SmartcardSearchWord(db.Model):
    """A word of a card's holder name, or one of its serials, in lower case: the administrator's search finds a
    card by the start of any of them through one index. Kept by the listeners below on every insert and change.

    Each row also carries what a search's count and pages read, so that they come from the words' index alone
    (the index holds them all), never from the cards one by one:
    - `previous_word`, the card's word just before this one in code point order ("" for the first): a typed word
      starts a run of neighbouring words of a card, so the one row whose previous word does not start with it
      stands for the card (counted once without gathering ids);
    - `card_words`, all the card's words, each after a space: the other typed words are checked in the row;
    - the card's `holder_name`, `state` and `expires_on`: the status filter and the list's holder order."""

    __tablename__ = "smartcard_search_words"
    __table_args__ = (
        # a word's rows in holder order (the list's default order: a search pages through each word's run);
        # (organisation, word, holder name, card) is unique, so the carried columns after it cost the inner pages
        # nothing on PostgreSQL (its pivot keys are cut after the card), and SQLite reads the index alone too
        Index(
            "ix_smartcard_search_words_lookup",
            "organisation_id",
            "word",
            "holder_name",
            "smartcard_id",
            "previous_word",
            "state",
            "expires_on",
            "card_words",
        ),
    )

    smartcard_id: Mapped[int] = mapped_column(ForeignKey("smartcards.id", ondelete="CASCADE"), primary_key=True)
    word: Mapped[str] = mapped_column(String(WORD_LENGTH), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    previous_word: Mapped[str] = mapped_column(String(WORD_LENGTH), default="")
    card_words: Mapped[str] = mapped_column(Text, default="")
    holder_name: Mapped[str] = mapped_column(String(240), default="")
    state: Mapped[str] = mapped_column(String(16), default="")
    expires_on: Mapped[date | None] = mapped_column(Date)


def search_words(text: str) -> list[str]:
    """The words a search finds: lower case, split at spaces and hyphens, each cut to WORD_LENGTH."""
    return [word[:WORD_LENGTH] for word in re.findall(r"[^\s\-]+", (text or "").lower())]


def word_rows(
    smartcard_id: int,
    organisation_id: int,
    holder_name: str,
    card_serial: str,
    certificate_serial: str | None,
    state: str,
    expires_on: date | None,
) -> list[dict]:
    """The search word rows of a card with these values (the listeners write them; so may a bulk loader)."""
    words = sorted({*search_words(holder_name), *search_words(card_serial), *search_words(certificate_serial)})
    card_words = "".join(f" {word}" for word in words)
    return [
        dict(
            smartcard_id=smartcard_id,
            word=word,
            organisation_id=organisation_id,
            previous_word=words[number - 1] if number else "",
            card_words=card_words,
            holder_name=holder_name,
            state=state,
            expires_on=expires_on,
        )
        for number, word in enumerate(words)
    ]


@event.listens_for(Smartcard, "after_insert")
def _index_new_card(mapper, connection, card: Smartcard) -> None:
    _write_words(connection, card)


@event.listens_for(Smartcard, "after_update")
def _index_changed_card(mapper, connection, card: Smartcard) -> None:
    state = inspect(card)
    words = SmartcardSearchWord.__table__
    if any(state.attrs[name].history.has_changes() for name in _REWRITTEN):
        connection.execute(words.delete().where(words.c.smartcard_id == card.id))
        _write_words(connection, card)
    elif any(state.attrs[name].history.has_changes() for name in _CARRIED):
        connection.execute(
            words.update().where(words.c.smartcard_id == card.id).values(state=card.state, expires_on=card.expires_on)
        )


def _write_words(connection, card: Smartcard) -> None:
    rows = word_rows(
        card.id,
        card.organisation_id,
        card.holder_name,
        card.card_serial,
        card.certificate_serial,
        card.state,
        card.expires_on,
    )
    if rows:
        connection.execute(SmartcardSearchWord.__table__.insert(), rows)


class SmartcardEvent(db.Model):
    """One state change of a card: who, when, from which state, and why."""

    __tablename__ = "smartcard_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    smartcard_id: Mapped[int] = mapped_column(ForeignKey("smartcards.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # a key of states.ACTIONS, or "create"
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(12), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    smartcard: Mapped[Smartcard] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class CredentialCardSeen(db.Model):
    """An employee's credential card as the portal last saw it (making a smartcard with it), so that the
    administrator sees whose cards expire soon without a smartcard."""

    __tablename__ = "smartcard_credential_cards"
    __table_args__ = (UniqueConstraint("organisation_id", "uzi_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    holder_name: Mapped[str] = mapped_column(String(240))
    uzi_number: Mapped[str] = mapped_column(String(20))
    card_type: Mapped[str] = mapped_column(String(1))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RevocationListNumber(db.Model):
    """The CRL's number (RFC 5280 crlNumber): one row, raised for every list published."""

    __tablename__ = "smartcard_crl_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(default=0)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

"""smartcards: the search words carry what a search's count and pages read (the previous word, all the card's
words, the holder's name, state and expiry date), all in the words' index; the rows are rewritten. The
certificate serial's index gets the id (the cards without a serial yet are ordered by it)

Revision ID: smartcards_0004
Revises: register_0003
Create Date: 2026-12-05 08:10:00

"""

import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "smartcards_0004"
down_revision = "register_0003"
branch_labels = None
depends_on = None

WORD_LENGTH = 64
CARRIED = ["previous_word", "holder_name", "state", "expires_on", "card_words"]
CARRIED_AFTER = [column for column in CARRIED if column != "holder_name"]  # in the index after the card
BATCH = 2000


def _search_words(text):
    # as webapp.smartcards.models.search_words at this revision
    return [word[:WORD_LENGTH] for word in re.findall(r"[^\s\-]+", (text or "").lower())]


def upgrade():
    # the certificate serial's sort: the cards without one (NULL, thousands) are ordered by id from the index
    with op.batch_alter_table("smartcards", schema=None) as batch_op:
        batch_op.drop_index("ix_smartcards_organisation_certificate_serial")
        batch_op.create_index(
            "ix_smartcards_organisation_certificate_serial",
            ["organisation_id", "certificate_serial", "id"],
            unique=False,
        )
    with op.batch_alter_table("smartcard_search_words", schema=None) as batch_op:
        batch_op.drop_index("ix_smartcard_search_words_lookup")
        batch_op.add_column(
            sa.Column("previous_word", sa.String(length=WORD_LENGTH), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("card_words", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("holder_name", sa.String(length=240), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("state", sa.String(length=16), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("expires_on", sa.Date(), nullable=True))
    _rewrite_words()
    with op.batch_alter_table("smartcard_search_words", schema=None) as batch_op:
        for column in CARRIED:
            if column != "expires_on":
                batch_op.alter_column(column, server_default=None)
        batch_op.create_index(
            "ix_smartcard_search_words_lookup",
            ["organisation_id", "word", "holder_name", "smartcard_id", *CARRIED_AFTER],
            unique=False,
        )


def _rewrite_words():
    """Every card's rows again, as the app's listeners write them from now on."""
    connection = op.get_bind()
    metadata = sa.MetaData()
    cards = sa.Table("smartcards", metadata, autoload_with=connection)
    words = sa.Table("smartcard_search_words", metadata, autoload_with=connection)
    connection.execute(words.delete())
    last = 0
    while True:
        batch = connection.execute(
            sa.select(
                cards.c.id,
                cards.c.organisation_id,
                cards.c.holder_name,
                cards.c.card_serial,
                cards.c.certificate_serial,
                cards.c.state,
                cards.c.expires_on,
            )
            .where(cards.c.id > last)
            .order_by(cards.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return
        rows = []
        for card in batch:
            found = sorted(
                {
                    *_search_words(card.holder_name),
                    *_search_words(card.card_serial),
                    *_search_words(card.certificate_serial),
                }
            )
            card_words = "".join(f" {word}" for word in found)
            rows += [
                dict(
                    smartcard_id=card.id,
                    word=word,
                    organisation_id=card.organisation_id,
                    previous_word=found[number - 1] if number else "",
                    card_words=card_words,
                    holder_name=card.holder_name,
                    state=card.state,
                    expires_on=card.expires_on,
                )
                for number, word in enumerate(found)
            ]
        if rows:
            connection.execute(words.insert(), rows)
        last = batch[-1].id


def downgrade():
    with op.batch_alter_table("smartcards", schema=None) as batch_op:
        batch_op.drop_index("ix_smartcards_organisation_certificate_serial")
        batch_op.create_index(
            "ix_smartcards_organisation_certificate_serial", ["organisation_id", "certificate_serial"], unique=False
        )
    with op.batch_alter_table("smartcard_search_words", schema=None) as batch_op:
        batch_op.drop_index("ix_smartcard_search_words_lookup")
        for column in CARRIED:
            batch_op.drop_column(column)
        batch_op.create_index(
            "ix_smartcard_search_words_lookup", ["organisation_id", "word", "smartcard_id"], unique=False
        )

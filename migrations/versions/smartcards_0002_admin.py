"""smartcards: the administrator's list: an index per sort and status filter, the search words of each card; the CRL's revoked cards

Revision ID: smartcards_0002_admin
Revises: smartcards_0001
Create Date: 2026-12-05 05:20:00

"""

import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "smartcards_0002_admin"
down_revision = "smartcards_0001"
branch_labels = None
depends_on = None

WORD_LENGTH = 64
INDEXES = {
    "ix_smartcards_organisation_state_holder": ["organisation_id", "state", "holder_name", "id", "expires_on"],
    "ix_smartcards_organisation_state_expires": ["organisation_id", "state", "expires_on", "id"],
    "ix_smartcards_organisation_card_serial": ["organisation_id", "card_serial"],
    "ix_smartcards_organisation_certificate_serial": ["organisation_id", "certificate_serial"],
    "ix_smartcards_organisation_issued": ["organisation_id", "issued_on", "id"],
    "ix_smartcards_organisation_expires": ["organisation_id", "expires_on", "id"],
    "ix_smartcards_organisation_last_used": ["organisation_id", "last_used_at", "id"],
    "ix_smartcards_state": ["state", "id"],  # the CRL: every organisation's revoked cards
}


def upgrade():
    words = op.create_table(
        "smartcard_search_words",
        sa.Column("smartcard_id", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(length=WORD_LENGTH), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_smartcard_search_words_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["smartcard_id"],
            ["smartcards.id"],
            name=op.f("fk_smartcard_search_words_smartcard_id_smartcards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("smartcard_id", "word", name=op.f("pk_smartcard_search_words")),
    )
    with op.batch_alter_table("smartcard_search_words", schema=None) as batch_op:
        batch_op.create_index(
            "ix_smartcard_search_words_lookup", ["organisation_id", "word", "smartcard_id"], unique=False
        )
    with op.batch_alter_table("smartcards", schema=None) as batch_op:
        batch_op.drop_index("ix_smartcards_organisation_state")
        batch_op.drop_index("ix_smartcards_organisation_holder")
        batch_op.create_index(
            "ix_smartcards_organisation_holder", ["organisation_id", "holder_name", "id", "state", "expires_on"]
        )
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    # the cards made before: their words
    connection = op.get_bind()
    cards = connection.execute(
        sa.text("SELECT id, organisation_id, holder_name, card_serial, certificate_serial FROM smartcards")
    ).all()
    rows = [
        dict(smartcard_id=card.id, word=word, organisation_id=card.organisation_id)
        for card in cards
        for word in {
            part[:WORD_LENGTH]
            for text in (card.holder_name, card.card_serial, card.certificate_serial)
            for part in re.findall(r"[^\s\-]+", (text or "").lower())
        }
    ]
    if rows:
        op.bulk_insert(words, rows)


def downgrade():
    with op.batch_alter_table("smartcards", schema=None) as batch_op:
        for name in INDEXES:
            batch_op.drop_index(name)
        batch_op.drop_index("ix_smartcards_organisation_holder")
        batch_op.create_index("ix_smartcards_organisation_holder", ["organisation_id", "holder_name"], unique=False)
        batch_op.create_index("ix_smartcards_organisation_state", ["organisation_id", "state"], unique=False)
    with op.batch_alter_table("smartcard_search_words", schema=None) as batch_op:
        batch_op.drop_index("ix_smartcard_search_words_lookup")
    op.drop_table("smartcard_search_words")

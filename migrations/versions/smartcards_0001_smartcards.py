"""smartcards: registration requests, smartcards and their history, credential cards seen, the CRL number

Revision ID: smartcards_0001
Revises: 0007
Create Date: 2026-12-05 04:51:31.517361

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "smartcards_0001"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "smartcard_crl_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smartcard_crl_numbers")),
    )
    op.create_table(
        "smartcard_credential_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("holder_name", sa.String(length=240), nullable=False),
        sa.Column("uzi_number", sa.String(length=20), nullable=False),
        sa.Column("card_type", sa.String(length=1), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_smartcard_credential_cards_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_smartcard_credential_cards_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smartcard_credential_cards")),
        sa.UniqueConstraint(
            "organisation_id", "uzi_number", name=op.f("uq_smartcard_credential_cards_organisation_id")
        ),
    )
    op.create_table(
        "smartcard_registration_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_name", sa.String(length=160), nullable=False),
        sa.Column("kvk_number", sa.String(length=8), nullable=False),
        sa.Column("subscriber_number", sa.String(length=8), nullable=False),
        sa.Column("street", sa.String(length=120), nullable=False),
        sa.Column("house_number", sa.String(length=20), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=False),
        sa.Column("city", sa.String(length=80), nullable=False),
        sa.Column("representative_name", sa.String(length=240), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("validated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_smartcard_registration_requests_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_smartcard_registration_requests_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smartcard_registration_requests")),
    )
    with op.batch_alter_table("smartcard_registration_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_smartcard_registration_requests_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_smartcard_registration_requests_subscriber_number"), ["subscriber_number"], unique=False
        )

    op.create_table(
        "smartcards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=True),
        sa.Column("holder_name", sa.String(length=240), nullable=False),
        sa.Column("credential_number", sa.String(length=20), nullable=False),
        sa.Column("card_serial", sa.String(length=32), nullable=False),
        sa.Column("certificate_serial", sa.String(length=40), nullable=True),
        sa.Column("certificate", sa.LargeBinary(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["holder_id"], ["users.id"], name=op.f("fk_smartcards_holder_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_smartcards_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smartcards")),
        sa.UniqueConstraint("card_serial", name=op.f("uq_smartcards_card_serial")),
        sa.UniqueConstraint("certificate_serial", name=op.f("uq_smartcards_certificate_serial")),
    )
    with op.batch_alter_table("smartcards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_smartcards_holder_id"), ["holder_id"], unique=False)
        batch_op.create_index("ix_smartcards_organisation_created", ["organisation_id", "created_at"], unique=False)
        batch_op.create_index("ix_smartcards_organisation_holder", ["organisation_id", "holder_name"], unique=False)
        batch_op.create_index("ix_smartcards_organisation_state", ["organisation_id", "state"], unique=False)

    op.create_table(
        "smartcard_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("smartcard_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=12), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_smartcard_events_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["smartcard_id"],
            ["smartcards.id"],
            name=op.f("fk_smartcard_events_smartcard_id_smartcards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smartcard_events")),
    )
    with op.batch_alter_table("smartcard_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_smartcard_events_smartcard_id"), ["smartcard_id"], unique=False)


def downgrade():
    with op.batch_alter_table("smartcard_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_smartcard_events_smartcard_id"))

    op.drop_table("smartcard_events")
    with op.batch_alter_table("smartcards", schema=None) as batch_op:
        batch_op.drop_index("ix_smartcards_organisation_state")
        batch_op.drop_index("ix_smartcards_organisation_holder")
        batch_op.drop_index("ix_smartcards_organisation_created")
        batch_op.drop_index(batch_op.f("ix_smartcards_holder_id"))

    op.drop_table("smartcards")
    with op.batch_alter_table("smartcard_registration_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_smartcard_registration_requests_subscriber_number"))
        batch_op.drop_index(batch_op.f("ix_smartcard_registration_requests_organisation_id"))

    op.drop_table("smartcard_registration_requests")
    op.drop_table("smartcard_credential_cards")
    op.drop_table("smartcard_crl_numbers")

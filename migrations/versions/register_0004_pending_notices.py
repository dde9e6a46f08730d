"""register: the persons' mails about links still to be composed (written with the link, taken by a job)

Revision ID: register_0004
Revises: register_0003

Linking many persons (an upload) and the planned-unlink job (10,000 links on one day) no longer compose each mail in
their transaction: they note it here, and a job after the commit (or, when that job never ran, a periodic sweep)
takes the rows and composes the mails.
"""

import sqlalchemy as sa
from alembic import op

revision = "register_0004"
down_revision = "register_0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "register_pending_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["register_links.id"],
            name=op.f("fk_register_pending_notices_link_id_register_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_pending_notices")),
    )
    with op.batch_alter_table("register_pending_notices", schema=None) as batch_op:
        batch_op.create_index("ix_register_pending_notices_link", ["link_id", "kind"], unique=False)
        batch_op.create_index("ix_register_pending_notices_created_at", ["created_at"], unique=False)


def downgrade():
    op.drop_table("register_pending_notices")

"""platform: outgoing mail (sent by a job after the commit, retried) and the periodic jobs' leases

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outgoing_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("message", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_mails")),
    )
    op.create_index("ix_outgoing_mails_status_next_attempt_at", "outgoing_mails", ["status", "next_attempt_at"])
    op.create_table(
        "periodic_runs",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_periodic_runs")),
    )


def downgrade():
    op.drop_table("periodic_runs")
    op.drop_index("ix_outgoing_mails_status_next_attempt_at", table_name="outgoing_mails")
    op.drop_table("outgoing_mails")

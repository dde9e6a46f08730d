"""core: an audit trail you can read, and one-time codes

audit_events gets the session's level and a state change's old and new state, and indexes for the
Logboek's searches; one_time_codes keeps codes as keyed hashes, one_time_code_failures the wrong
tries per address.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("level", sa.String(length=8), server_default="", nullable=False))
        batch_op.add_column(sa.Column("old_state", sa.String(length=60), server_default="", nullable=False))
        batch_op.add_column(sa.Column("new_state", sa.String(length=60), server_default="", nullable=False))
        batch_op.drop_index("ix_audit_events_actor_id")
        batch_op.create_index("ix_audit_events_actor_at", ["actor_id", "at"], unique=False)
        batch_op.create_index("ix_audit_events_at", ["at", "id"], unique=False)
        batch_op.create_index("ix_audit_events_action_at", ["action", "at"], unique=False)

    op.create_table(
        "one_time_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_time_codes")),
    )
    op.create_index("ix_one_time_codes_purpose_code_hash", "one_time_codes", ["purpose", "code_hash"], unique=True)
    op.create_index("ix_one_time_codes_purpose_subject_state", "one_time_codes", ["purpose", "subject", "state"])
    op.create_table(
        "one_time_code_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_time_code_failures")),
    )
    op.create_index("ix_one_time_code_failures_address_at", "one_time_code_failures", ["address_hash", "at"])


def downgrade():
    op.drop_index("ix_one_time_code_failures_address_at", table_name="one_time_code_failures")
    op.drop_table("one_time_code_failures")
    op.drop_index("ix_one_time_codes_purpose_subject_state", table_name="one_time_codes")
    op.drop_index("ix_one_time_codes_purpose_code_hash", table_name="one_time_codes")
    op.drop_table("one_time_codes")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_action_at")
        batch_op.drop_index("ix_audit_events_at")
        batch_op.drop_index("ix_audit_events_actor_at")
        batch_op.create_index("ix_audit_events_actor_id", ["actor_id"], unique=False)
        batch_op.drop_column("new_state")
        batch_op.drop_column("old_state")
        batch_op.drop_column("level")

"""smartcards: one open registration request per subscriber number; the staff's list of requests by state

Revision ID: smartcards_0002_requests
Revises: smartcards_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "smartcards_0002_requests"
down_revision = "smartcards_0001"
branch_labels = None
depends_on = None

OPEN_REQUEST = "state IN ('submitted', 'accepted', 'validated')"


def upgrade():
    with op.batch_alter_table("smartcard_registration_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ux_smartcard_registration_requests_open_subscriber",
            ["subscriber_number"],
            unique=True,
            sqlite_where=sa.text(OPEN_REQUEST),
            postgresql_where=sa.text(OPEN_REQUEST),
        )
        batch_op.create_index("ix_smartcard_registration_requests_state_created", ["state", "created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("smartcard_registration_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_smartcard_registration_requests_state_created")
        batch_op.drop_index("ux_smartcard_registration_requests_open_subscriber")

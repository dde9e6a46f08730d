"""passes: requests remember their last sign of life (the sweep fails stuck ones)

Revision ID: passes_0003
Revises: passes_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "passes_0003"
down_revision = "passes_0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("passes_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("touched_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("passes_requests", schema=None) as batch_op:
        batch_op.drop_column("touched_at")

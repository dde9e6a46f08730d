"""dossiers: the mentor's dashboards: when a student was last reminded to fill in the approval, and the index the
weekly reminder finds the dossiers waiting for it by

Revision ID: dossiers_0011
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "dossiers_0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("dossier_students", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.create_index("ix_dossiers_state_archived", ["state", "archived"], unique=False)


def downgrade():
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_index("ix_dossiers_state_archived")
    with op.batch_alter_table("dossier_students", schema=None) as batch_op:
        batch_op.drop_column("reminded_at")

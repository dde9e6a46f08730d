"""dossiers: part A's answers posted after a session ended, kept until the student's next login

Revision ID: dossiers_0005
Revises: dossiers_0001
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "dossiers_0005"
down_revision = "dossiers_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "dossier_kept_answers",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=40), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("kept_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_dossier_kept_answers_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_dossier_kept_answers")),
    )
    with op.batch_alter_table("dossier_kept_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dossier_kept_answers_dossier_id"), ["dossier_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dossier_kept_answers_kept_at"), ["kept_at"], unique=False)


def downgrade():
    with op.batch_alter_table("dossier_kept_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossier_kept_answers_kept_at"))
        batch_op.drop_index(batch_op.f("ix_dossier_kept_answers_dossier_id"))
    op.drop_table("dossier_kept_answers")

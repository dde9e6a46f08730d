"""dossiers: part B's student part (leerling-specifiek), kept per student for their next dossier

Revision ID: dossiers_0012
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "dossiers_0012"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "dossier_student_answers",
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["dossier_students.id"],
            name=op.f("fk_dossier_student_answers_student_id_dossier_students"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("student_id", "field", name=op.f("pk_dossier_student_answers")),
    )


def downgrade():
    op.drop_table("dossier_student_answers")

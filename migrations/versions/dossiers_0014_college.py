"""dossiers: the receiving college's list: when a dossier was finished, and the indexes the list reads (finished,
not archived, newest first; per programme; the dossiers with a given short answer, part B's flags)

Revision ID: dossiers_0014
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "dossiers_0014"
down_revision = "0009"
branch_labels = None
depends_on = None

SHORT_ANSWER = "length(value) <= 20"


def upgrade():
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_dossiers_college_list",
            ["state", "archived", "finished_at", "id", "programme_id", "student_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_dossiers_programme_finished", ["programme_id", "state", "archived", "finished_at", "id"], unique=False
        )
    # a dossier finished before: the time of its last step into finished, else its last change
    op.execute(
        "UPDATE dossiers SET finished_at = COALESCE((SELECT MAX(t.at) FROM dossier_transitions t "
        "WHERE t.dossier_id = dossiers.id AND t.to_state = 'finished'), updated_at) WHERE state = 'finished'"
    )
    with op.batch_alter_table("dossier_answers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_dossier_answers_short",
            ["field", "value", "dossier_id"],
            unique=False,
            postgresql_where=sa.text(SHORT_ANSWER),
            sqlite_where=sa.text(SHORT_ANSWER),
        )


def downgrade():
    with op.batch_alter_table("dossier_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_dossier_answers_short")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_index("ix_dossiers_programme_finished")
        batch_op.drop_index("ix_dossiers_college_list")
        batch_op.drop_column("finished_at")

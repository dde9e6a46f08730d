"""dossiers: the receiving college's list: when a dossier was finished, the indexes the list reads (finished, not
archived, newest first; per programme; the dossiers with a given short answer, part B's flags), and the students'
name words its search reads

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

    op.create_table(
        "dossier_student_words",
        sa.Column("word", sa.String(length=100), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["dossier_students.id"],
            name=op.f("fk_dossier_student_words_student_id_dossier_students"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("word", "student_id", name=op.f("pk_dossier_student_words")),
    )
    with op.batch_alter_table("dossier_student_words", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dossier_student_words_student_id"), ["student_id"], unique=False)
    _words_of_the_students_there_are()


def _words_of_the_students_there_are():
    """Each student's name words (the words of sort_name, as Student.set_name keeps them from now on)."""
    connection = op.get_bind()
    words = sa.table("dossier_student_words", sa.column("word", sa.String), sa.column("student_id", sa.Integer))
    rows = []
    for student_id, name in connection.execute(sa.text("SELECT id, sort_name FROM dossier_students")).all():
        rows += [{"word": word, "student_id": student_id} for word in sorted(set(name.split()))]
        if len(rows) >= 5000:
            op.bulk_insert(words, rows)
            rows = []
    if rows:
        op.bulk_insert(words, rows)


def downgrade():
    with op.batch_alter_table("dossier_student_words", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossier_student_words_student_id"))
    op.drop_table("dossier_student_words")
    with op.batch_alter_table("dossier_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_dossier_answers_short")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_index("ix_dossiers_programme_finished")
        batch_op.drop_index("ix_dossiers_college_list")
        batch_op.drop_column("finished_at")

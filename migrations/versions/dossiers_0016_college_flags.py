"""dossiers: part B's OPP and nader-contact answers kept on the dossier's row (the receiving college's list filters
and shows them without reading the answers), filled from the answers of the dossiers whose part B was sent; the
list's indexes for those flags and for finding a student's finished dossiers (name search, school filter); the
answers' index for the flags (dossiers_0014's ix_dossier_answers_short) has no reader left and goes.

Revision ID: dossiers_0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "dossiers_0016"
down_revision = "0015"
branch_labels = None
depends_on = None

OPP_KEY, CONTACT_KEY = "b_opp", "b_nader_contact"
SHORT_ANSWER = "length(value) <= 20"
FLAG_INDEXES = {
    "ix_dossiers_college_opp": [
        "state",
        "archived",
        "warm_handover",
        "finished_at",
        "id",
        "programme_id",
        "student_id",
        "further_contact",
    ],
    "ix_dossiers_college_contact": [
        "state",
        "archived",
        "further_contact",
        "finished_at",
        "id",
        "programme_id",
        "student_id",
        "warm_handover",
    ],
    "ix_dossiers_student_finished": ["student_id", "state", "archived", "finished_at", "id", "programme_id"],
}


def upgrade():
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("warm_handover", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("further_contact", sa.Boolean(), nullable=True))
    _flags_of_the_dossiers_there_are()
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        for name, columns in FLAG_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table("dossier_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_dossier_answers_short")


def _flags_of_the_dossiers_there_are():
    """A dossier whose part B was sent (send_to_student in its history) takes its flags from its answers, as
    Dossier.take_part_b_flags does from then on: "ja" is true, "nee" false, no answer none."""
    dossiers = sa.table(
        "dossiers",
        sa.column("id", sa.Integer),
        sa.column("warm_handover", sa.Boolean),
        sa.column("further_contact", sa.Boolean),
    )
    answers = sa.table(
        "dossier_answers", sa.column("dossier_id", sa.Integer), sa.column("field", sa.String), sa.column("value")
    )
    transitions = sa.table("dossier_transitions", sa.column("dossier_id", sa.Integer), sa.column("action", sa.String))

    def flag(key: str):
        answer = (
            sa.select(answers.c.value)
            .where(answers.c.dossier_id == dossiers.c.id, answers.c.field == key)
            .scalar_subquery()
        )
        return sa.case((answer == "ja", sa.true()), (answer == "nee", sa.false()), else_=sa.null())

    sent = sa.exists().where(transitions.c.dossier_id == dossiers.c.id, transitions.c.action == "send_to_student")
    op.execute(dossiers.update().where(sent).values(warm_handover=flag(OPP_KEY), further_contact=flag(CONTACT_KEY)))


def downgrade():
    with op.batch_alter_table("dossier_answers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_dossier_answers_short",
            ["field", "value", "dossier_id"],
            unique=False,
            postgresql_where=sa.text(SHORT_ANSWER),
            sqlite_where=sa.text(SHORT_ANSWER),
        )
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        for name in reversed(FLAG_INDEXES):
            batch_op.drop_index(name)
        batch_op.drop_column("further_contact")
        batch_op.drop_column("warm_handover")

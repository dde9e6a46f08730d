"""dossiers: the transfer dossiers' tables (manual 004): classes and their mentors, students, the receiving
colleges and their programmes, activation code hand-outs (single and bulk), dossiers, their answers and history

Revision ID: dossiers_0001
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "dossiers_0001"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "dossier_classes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["organisations.id"],
            name=op.f("fk_dossier_classes_school_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_classes")),
        sa.UniqueConstraint("school_id", "school_year", "name", name=op.f("uq_dossier_classes_school_id")),
    )
    with op.batch_alter_table("dossier_classes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dossier_classes_school_id"), ["school_id"], unique=False)

    op.create_table(
        "dossier_colleges",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("takes_part", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_dossier_colleges_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_dossier_colleges")),
    )
    op.create_table(
        "dossier_bulk_handouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=6), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("scope_label", sa.String(length=80), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("file_name", sa.String(length=120), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_dossier_bulk_handouts_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["organisations.id"],
            name=op.f("fk_dossier_bulk_handouts_school_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_bulk_handouts")),
    )
    with op.batch_alter_table("dossier_bulk_handouts", schema=None) as batch_op:
        batch_op.create_index("ix_dossier_bulk_handouts_school", ["school_id", "created_at"], unique=False)

    op.create_table(
        "dossier_programmes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("college_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("track", sa.String(length=3), nullable=False),
        sa.Column("location", sa.String(length=160), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["college_id"],
            ["dossier_colleges.organisation_id"],
            name=op.f("fk_dossier_programmes_college_id_dossier_colleges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_programmes")),
        sa.UniqueConstraint("college_id", "code", name=op.f("uq_dossier_programmes_college_id")),
    )
    with op.batch_alter_table("dossier_programmes", schema=None) as batch_op:
        batch_op.create_index("ix_dossier_programmes_name", ["name"], unique=False)

    op.create_table(
        "dossier_students",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=True),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("infix", sa.String(length=30), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("sort_name", sa.String(length=240), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bsn_sealed", sa.String(length=120), nullable=True),
        sa.Column("bsn_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["dossier_classes.id"],
            name=op.f("fk_dossier_students_class_id_dossier_classes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["organisations.id"],
            name=op.f("fk_dossier_students_school_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_dossier_students_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_students")),
        sa.UniqueConstraint("school_id", "bsn_hash", name=op.f("uq_dossier_students_school_id")),
    )
    with op.batch_alter_table("dossier_students", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dossier_students_bsn_hash"), ["bsn_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_dossier_students_class_id"), ["class_id"], unique=False)
        batch_op.create_index("ix_dossier_students_school_name", ["school_id", "sort_name", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dossier_students_user_id"), ["user_id"], unique=False)

    op.create_table(
        "dossier_class_mentors",
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["dossier_classes.id"],
            name=op.f("fk_dossier_class_mentors_class_id_dossier_classes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name=op.f("fk_dossier_class_mentors_membership_id_memberships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("class_id", "membership_id", name=op.f("pk_dossier_class_mentors")),
    )
    op.create_table(
        "dossier_code_handouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(length=6), nullable=False),
        sa.Column("handed_out_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handed_out_by_id", sa.Integer(), nullable=True),
        sa.Column("bulk_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["bulk_id"],
            ["dossier_bulk_handouts.id"],
            name=op.f("fk_dossier_code_handouts_bulk_id_dossier_bulk_handouts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["code_id"],
            ["one_time_codes.id"],
            name=op.f("fk_dossier_code_handouts_code_id_one_time_codes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["handed_out_by_id"],
            ["users.id"],
            name=op.f("fk_dossier_code_handouts_handed_out_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["dossier_students.id"],
            name=op.f("fk_dossier_code_handouts_student_id_dossier_students"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_code_handouts")),
    )
    with op.batch_alter_table("dossier_code_handouts", schema=None) as batch_op:
        batch_op.create_index("ix_dossier_code_handouts_student", ["student_id", "handed_out_at"], unique=False)

    op.create_table(
        "dossiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mentor_id"], ["memberships.id"], name=op.f("fk_dossiers_mentor_id_memberships"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["dossier_programmes.id"],
            name=op.f("fk_dossiers_programme_id_dossier_programmes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["dossier_students.id"],
            name=op.f("fk_dossiers_student_id_dossier_students"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossiers")),
    )
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.create_index("ix_dossiers_mentor_state", ["mentor_id", "state"], unique=False)
        batch_op.create_index("ix_dossiers_student", ["student_id", "created_at"], unique=False)

    op.create_table(
        "dossier_answers",
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_dossier_answers_dossier_id_dossiers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("dossier_id", "field", name=op.f("pk_dossier_answers")),
    )
    op.create_table(
        "dossier_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=False),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"], ["users.id"], name=op.f("fk_dossier_transitions_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_dossier_transitions_dossier_id_dossiers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_transitions")),
    )
    with op.batch_alter_table("dossier_transitions", schema=None) as batch_op:
        batch_op.create_index("ix_dossier_transitions_dossier", ["dossier_id", "at"], unique=False)


def downgrade():
    with op.batch_alter_table("dossier_transitions", schema=None) as batch_op:
        batch_op.drop_index("ix_dossier_transitions_dossier")

    op.drop_table("dossier_transitions")
    op.drop_table("dossier_answers")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_index("ix_dossiers_student")
        batch_op.drop_index("ix_dossiers_mentor_state")

    op.drop_table("dossiers")
    with op.batch_alter_table("dossier_code_handouts", schema=None) as batch_op:
        batch_op.drop_index("ix_dossier_code_handouts_student")

    op.drop_table("dossier_code_handouts")
    op.drop_table("dossier_class_mentors")
    with op.batch_alter_table("dossier_students", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossier_students_user_id"))
        batch_op.drop_index("ix_dossier_students_school_name")
        batch_op.drop_index(batch_op.f("ix_dossier_students_class_id"))
        batch_op.drop_index(batch_op.f("ix_dossier_students_bsn_hash"))

    op.drop_table("dossier_students")
    with op.batch_alter_table("dossier_programmes", schema=None) as batch_op:
        batch_op.drop_index("ix_dossier_programmes_name")

    op.drop_table("dossier_programmes")
    with op.batch_alter_table("dossier_bulk_handouts", schema=None) as batch_op:
        batch_op.drop_index("ix_dossier_bulk_handouts_school")

    op.drop_table("dossier_bulk_handouts")
    op.drop_table("dossier_colleges")
    with op.batch_alter_table("dossier_classes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossier_classes_school_id"))

    op.drop_table("dossier_classes")

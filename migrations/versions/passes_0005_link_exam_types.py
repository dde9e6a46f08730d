"""passes: link x exam-type copies for the exam-type filter; list indexes end in the link id

Revision ID: passes_0005
Revises: passes_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "passes_0005"
down_revision = "passes_0004"
branch_labels = None
depends_on = None

OLD_LINK_INDEXES = {
    "ix_passes_holder_links_org_number": ["organisation_id", "number"],
    "ix_passes_holder_links_org_name": ["organisation_id", "name_key", "number"],
    "ix_passes_holder_links_org_birth": ["organisation_id", "birth_date", "number"],
    "ix_passes_holder_links_org_expires": ["organisation_id", "expires_on", "number"],
    "ix_passes_holder_links_org_external": ["organisation_id", "external_number", "number"],
    "ix_passes_holder_links_number_org": ["number", "organisation_id"],
    "ix_passes_holder_links_name_number_org": ["name_key", "number", "organisation_id"],
    "ix_passes_holder_links_birth_number_org": ["birth_date", "number", "organisation_id"],
    "ix_passes_holder_links_expires_number_org": ["expires_on", "number", "organisation_id"],
    "ix_passes_holder_links_external_number_org": ["external_number", "number", "organisation_id"],
}
NEW_LINK_INDEXES = {
    "ix_passes_holder_links_org_number_id": ["organisation_id", "number", "id"],
    "ix_passes_holder_links_org_name_id": ["organisation_id", "name_key", "number", "id"],
    "ix_passes_holder_links_org_birth_id": ["organisation_id", "birth_date", "number", "id"],
    "ix_passes_holder_links_org_expires_id": ["organisation_id", "expires_on", "number", "id"],
    "ix_passes_holder_links_org_external_id": ["organisation_id", "external_number", "number", "id"],
    "ix_passes_holder_links_number_org_id": ["number", "organisation_id", "id"],
    "ix_passes_holder_links_name_org_id": ["name_key", "number", "organisation_id", "id"],
    "ix_passes_holder_links_birth_org_id": ["birth_date", "number", "organisation_id", "id"],
    "ix_passes_holder_links_expires_org_id": ["expires_on", "number", "organisation_id", "id"],
    "ix_passes_holder_links_external_org_id": ["external_number", "number", "organisation_id", "id"],
}
TYPE_INDEXES = {
    "ix_passes_link_exam_types_type_org_number": ["exam_type_id", "organisation_id", "number", "link_id"],
    "ix_passes_link_exam_types_type_number": ["exam_type_id", "number", "organisation_id", "link_id"],
    "ix_passes_link_exam_types_type_name": ["exam_type_id", "name_key", "number", "organisation_id", "link_id"],
    "ix_passes_link_exam_types_type_birth": ["exam_type_id", "birth_date", "number", "organisation_id", "link_id"],
    "ix_passes_link_exam_types_type_expires": ["exam_type_id", "expires_on", "number", "organisation_id", "link_id"],
    "ix_passes_link_exam_types_type_external": [
        "exam_type_id",
        "external_number",
        "number",
        "organisation_id",
        "link_id",
    ],
}
FILL = (
    "INSERT INTO passes_link_exam_types (link_id, exam_type_id, organisation_id, number, name_key, birth_date, "
    "expires_on, external_number) SELECT DISTINCT l.id, q.exam_type_id, l.organisation_id, l.number, l.name_key, "
    "l.birth_date, l.expires_on, l.external_number FROM passes_holder_links l "
    "JOIN passes_qualifications q ON q.holder_id = l.holder_id WHERE q.exam_type_id IS NOT NULL"
)


def upgrade():
    op.create_table(
        "passes_link_exam_types",
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("exam_type_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=8), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("external_number", sa.String(length=30), nullable=False),
        sa.ForeignKeyConstraint(
            ["exam_type_id"],
            ["passes_exam_types.id"],
            name=op.f("fk_passes_link_exam_types_exam_type_id_passes_exam_types"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["passes_holder_links.id"],
            name=op.f("fk_passes_link_exam_types_link_id_passes_holder_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("link_id", "exam_type_id", name=op.f("pk_passes_link_exam_types")),
    )
    # the copies of the holder's latest expiry on the links were kept by refresh_links() already
    op.execute(FILL)
    with op.batch_alter_table("passes_link_exam_types", schema=None) as batch_op:
        for name, columns in TYPE_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table("passes_holder_links", schema=None) as batch_op:
        for name in OLD_LINK_INDEXES:
            batch_op.drop_index(name)
        for name, columns in NEW_LINK_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    with op.batch_alter_table("passes_holder_links", schema=None) as batch_op:
        for name in NEW_LINK_INDEXES:
            batch_op.drop_index(name)
        for name, columns in OLD_LINK_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table("passes_link_exam_types", schema=None) as batch_op:
        for name in TYPE_INDEXES:
            batch_op.drop_index(name)
    op.drop_table("passes_link_exam_types")

"""passes: indexes for the holder list across several organisations

Revision ID: passes_0002
Revises: passes_0001
"""

from alembic import op

revision = "passes_0002"
down_revision = "passes_0001"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_passes_holder_links_number_org": ["number", "organisation_id"],
    "ix_passes_holder_links_name_number_org": ["name_key", "number", "organisation_id"],
    "ix_passes_holder_links_birth_number_org": ["birth_date", "number", "organisation_id"],
    "ix_passes_holder_links_expires_number_org": ["expires_on", "number", "organisation_id"],
    "ix_passes_holder_links_external_number_org": ["external_number", "number", "organisation_id"],
}


def upgrade():
    with op.batch_alter_table("passes_holder_links", schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table("passes_qualifications", schema=None) as batch_op:
        batch_op.create_index("ix_passes_qualifications_expires_holder", ["expires_on", "holder_id"], unique=False)


def downgrade():
    with op.batch_alter_table("passes_qualifications", schema=None) as batch_op:
        batch_op.drop_index("ix_passes_qualifications_expires_holder")
    with op.batch_alter_table("passes_holder_links", schema=None) as batch_op:
        for name in INDEXES:
            batch_op.drop_index(name)

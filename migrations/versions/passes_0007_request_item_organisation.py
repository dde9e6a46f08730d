"""passes: a request's items remember the organisation each holder was selected through

Revision ID: passes_0007
Revises: passes_0006
"""

import sqlalchemy as sa
from alembic import op

revision = "passes_0007"
down_revision = "passes_0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("passes_request_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_passes_request_items_organisation_id_organisations"),
            "organisations",
            ["organisation_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(batch_op.f("ix_passes_request_items_organisation_id"), ["organisation_id"], unique=False)
    # Requests made before: the holder's link at one of the submitter's organisations, else the
    # organisation the request was made for.
    op.execute(
        "UPDATE passes_request_items SET organisation_id = COALESCE("
        "(SELECT min(l.organisation_id) FROM passes_holder_links l "
        "JOIN memberships m ON m.organisation_id = l.organisation_id "
        "JOIN passes_requests r ON r.user_id = m.user_id "
        "WHERE r.id = passes_request_items.request_id AND l.holder_id = passes_request_items.holder_id), "
        "(SELECT r.organisation_id FROM passes_requests r WHERE r.id = passes_request_items.request_id))"
    )


def downgrade():
    with op.batch_alter_table("passes_request_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_passes_request_items_organisation_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_passes_request_items_organisation_id_organisations"), type_="foreignkey"
        )
        batch_op.drop_column("organisation_id")

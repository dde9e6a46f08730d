"""passes: the selection and a request hold each holder once (not once per organisation link)

Revision ID: passes_0004
Revises: passes_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "passes_0004"
down_revision = "passes_0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("passes_selection_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("holder_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE passes_selection_items SET holder_id = (SELECT l.holder_id FROM passes_holder_links l "
        "WHERE l.id = passes_selection_items.link_id)"
    )
    # a holder selected through two organisation links: keep the first
    op.execute(
        "DELETE FROM passes_selection_items WHERE id NOT IN (SELECT min(id) FROM passes_selection_items "
        "GROUP BY user_id, holder_id)"
    )
    op.execute(
        "UPDATE passes_selection_counters SET count = (SELECT count(*) FROM passes_selection_items s "
        "WHERE s.user_id = passes_selection_counters.user_id)"
    )
    op.execute(
        "DELETE FROM passes_request_items WHERE id NOT IN (SELECT min(id) FROM passes_request_items "
        "GROUP BY request_id, holder_id)"
    )
    with op.batch_alter_table("passes_selection_items", schema=None) as batch_op:
        batch_op.alter_column("holder_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_passes_selection_items_holder_id_passes_holders"),
            "passes_holders",
            ["holder_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_unique_constraint("uq_passes_selection_items_user_holder", ["user_id", "holder_id"])
        batch_op.create_index(batch_op.f("ix_passes_selection_items_holder_id"), ["holder_id"], unique=False)
    with op.batch_alter_table("passes_request_items", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_passes_request_items_request_id"), ["request_id", "holder_id"])


def downgrade():
    with op.batch_alter_table("passes_request_items", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_passes_request_items_request_id"), type_="unique")
    with op.batch_alter_table("passes_selection_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_passes_selection_items_holder_id"))
        batch_op.drop_constraint("uq_passes_selection_items_user_holder", type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_passes_selection_items_holder_id_passes_holders"), type_="foreignkey")
        batch_op.drop_column("holder_id")

"""courses: credit notes (creditfactuur) point at the invoice they cancel

Revision ID: courses_0003
Revises: courses_0002
Create Date: 2026-11-22 18:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "courses_0003"
down_revision = "courses_0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("course_invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("credit_for_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_course_invoices_credit_for_id"), ["credit_for_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_course_invoices_credit_for_id_course_invoices"),
            "course_invoices",
            ["credit_for_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("course_invoices", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_course_invoices_credit_for_id_course_invoices"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_course_invoices_credit_for_id"))
        batch_op.drop_column("credit_for_id")

"""courses: an invoice keeps its due date (vervaldatum), fixed when it is issued

Revision ID: 0006_invoice
Revises: 0005
Create Date: 2026-12-05 12:00:00

"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = "0006_invoice"
down_revision = "0005"
branch_labels = None
depends_on = None

invoices = sa.table(
    "course_invoices",
    sa.column("id", sa.Integer),
    sa.column("issued_on", sa.Date),
    sa.column("due_on", sa.Date),
    sa.column("credit_for_id", sa.Integer),
)


def upgrade():
    with op.batch_alter_table("course_invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_on", sa.Date(), nullable=True))
    # Invoices issued before had the 30 days their text asked for; a credit note has no due date.
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(invoices.c.id, invoices.c.issued_on).where(invoices.c.credit_for_id.is_(None))
    ).all()
    for invoice_id, issued_on in rows:
        connection.execute(
            invoices.update().where(invoices.c.id == invoice_id).values(due_on=issued_on + timedelta(days=30))
        )


def downgrade():
    with op.batch_alter_table("course_invoices", schema=None) as batch_op:
        batch_op.drop_column("due_on")

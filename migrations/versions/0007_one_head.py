"""One head again: contact person invitations (0006_accounts) meet the invoices' due date (0006_invoice)

Revision ID: 0007
Revises: 0006_accounts, 0006_invoice
"""

revision = "0007"
down_revision = ("0006_accounts", "0006_invoice")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

"""One head again: the register's pending notices (register_0004) meet the smartcard search words' rows
(smartcards_0004)

Revision ID: 0008
Revises: register_0004, smartcards_0004
"""

revision = "0008"
down_revision = ("register_0004", "smartcards_0004")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

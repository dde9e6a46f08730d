"""One head again: the registration requests' indexes (smartcards_0002_requests) meet the card list's indexes
and search words (smartcards_0002_admin)

Revision ID: smartcards_0003
Revises: smartcards_0002_requests, smartcards_0002_admin
"""

revision = "smartcards_0003"
down_revision = ("smartcards_0002_requests", "smartcards_0002_admin")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

"""One head again: the audit columns and one-time codes (0004) meet the passes renames (passes_0008)

Revision ID: 0005
Revises: 0004, passes_0008
"""

revision = "0005"
down_revision = ("0004", "passes_0008")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

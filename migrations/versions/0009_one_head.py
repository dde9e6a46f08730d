"""One head again: the transfer dossiers (dossiers_0001 … dossiers_0005) meet the register's search-word rows
(register_0005)

Revision ID: 0009
Revises: dossiers_0005, register_0005
"""

revision = "0009"
down_revision = ("dossiers_0005", "register_0005")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

"""One head again: issue 18's four parts of the transfer dossiers (the mentor's dashboards dossiers_0011, part B
dossiers_0012, the approvals dossiers_0013, the receiving college dossiers_0014) meet

Revision ID: 0015
Revises: dossiers_0011, dossiers_0012, dossiers_0013, dossiers_0014
"""

revision = "0015"
down_revision = ("dossiers_0011", "dossiers_0012", "dossiers_0013", "dossiers_0014")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

"""One head: the platform, courses and passes branches meet here

From here on migrations follow one line (a module's branch label still names where it began), so
`flask db upgrade` reaches the current schema without naming heads. Where work on two branches
meets again, a merge revision like this one joins them.

Revision ID: 0002
Revises: courses_0003, passes_0007
"""

revision = "0002"
down_revision = ("courses_0003", "passes_0007")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

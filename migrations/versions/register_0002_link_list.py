"""register: Uw koppelingen's indexes; links carry their person's sort_name, kept by triggers

Revision ID: register_0002
Revises: register_0001

The list of one organisation's links (up to 50,000 in the benchmark) sorts by name, gekoppeld op and ontkoppeld op,
filters by state and searches by name; every sort has an index with and without the state, ending in the id, and
the name lives in the link row, so a page's ids come from one index in order and only those rows are joined to
their persons. The name is copied by triggers, so every way a link is made (the ORM, a bulk insert) and every change
of a person's name keeps it right.
"""

import sqlalchemy as sa
from alembic import op

revision = "register_0002"
down_revision = "register_0001"
branch_labels = None
depends_on = None

PLANNED = "state = 'linked' AND unlink_on IS NOT NULL"
INDEXES = {
    "ix_register_links_org_name": ["organisation_id", "sort_name", "id"],
    "ix_register_links_org_state_name": ["organisation_id", "state", "sort_name", "id"],
    "ix_register_links_org_linked": ["organisation_id", "linked_at", "id"],
    "ix_register_links_org_state_linked": ["organisation_id", "state", "linked_at", "id"],
    "ix_register_links_org_ended": ["organisation_id", "unlinked_at", "unlink_on", "id"],
    "ix_register_links_org_state_ended": ["organisation_id", "state", "unlinked_at", "unlink_on", "id"],
}

POSTGRES = [
    """CREATE FUNCTION register_link_sort_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.sort_name := coalesce((SELECT sort_name FROM register_persons WHERE id = NEW.person_id), '');
    RETURN NEW;
END $$""",
    """CREATE TRIGGER register_link_sort_name BEFORE INSERT OR UPDATE OF person_id ON register_links
    FOR EACH ROW EXECUTE FUNCTION register_link_sort_name()""",
    """CREATE FUNCTION register_person_sort_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE register_links SET sort_name = NEW.sort_name WHERE person_id = NEW.id;
    RETURN NULL;
END $$""",
    """CREATE TRIGGER register_person_sort_name AFTER UPDATE OF sort_name ON register_persons
    FOR EACH ROW WHEN (OLD.sort_name IS DISTINCT FROM NEW.sort_name) EXECUTE FUNCTION register_person_sort_name()""",
]
SQLITE = [
    """CREATE TRIGGER register_link_sort_name AFTER INSERT ON register_links BEGIN
    UPDATE register_links SET sort_name = coalesce((SELECT sort_name FROM register_persons WHERE id = NEW.person_id), '')
    WHERE id = NEW.id;
END""",
    """CREATE TRIGGER register_link_person AFTER UPDATE OF person_id ON register_links BEGIN
    UPDATE register_links SET sort_name = coalesce((SELECT sort_name FROM register_persons WHERE id = NEW.person_id), '')
    WHERE id = NEW.id;
END""",
    """CREATE TRIGGER register_person_sort_name AFTER UPDATE OF sort_name ON register_persons
    WHEN NEW.sort_name <> OLD.sort_name BEGIN
    UPDATE register_links SET sort_name = NEW.sort_name WHERE person_id = NEW.id;
END""",
]


def upgrade():
    with op.batch_alter_table("register_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sort_name", sa.String(length=240), server_default="", nullable=False))
        batch_op.drop_index("ix_register_links_organisation_state_linked")
    op.execute(
        "UPDATE register_links SET sort_name = "
        "(SELECT sort_name FROM register_persons WHERE register_persons.id = register_links.person_id)"
    )
    with op.batch_alter_table("register_links", schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
        batch_op.create_index(
            "ix_register_links_org_planned",
            ["organisation_id", "sort_name", "id"],
            unique=False,
            sqlite_where=sa.text(PLANNED),
            postgresql_where=sa.text(PLANNED),
        )
    for statement in POSTGRES if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER register_person_sort_name ON register_persons")
        op.execute("DROP TRIGGER register_link_sort_name ON register_links")
        op.execute("DROP FUNCTION register_person_sort_name()")
        op.execute("DROP FUNCTION register_link_sort_name()")
    else:
        for name in ("register_person_sort_name", "register_link_person", "register_link_sort_name"):
            op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table("register_links", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_register_links_org_planned", sqlite_where=sa.text(PLANNED), postgresql_where=sa.text(PLANNED)
        )
        for name in INDEXES:
            batch_op.drop_index(name)
        batch_op.create_index(
            "ix_register_links_organisation_state_linked", ["organisation_id", "state", "linked_at"], unique=False
        )
        batch_op.drop_column("sort_name")

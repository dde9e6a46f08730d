"""passes: link counts per organisation and per organisation and exam type, kept by triggers

Revision ID: passes_0006
Revises: passes_0005

The list's count of an unfiltered or exam-type-only view sums a few of these rows instead of
counting up to 10,001 index entries. Triggers
keep them, so every way rows come and go counts: the ORM, the bulk generator, cascades. PostgreSQL
uses statement-level triggers with transition tables (one counter update per organisation per
statement, so bulk inserts stay fast); SQLite has only row-level triggers.
"""

import sqlalchemy as sa
from alembic import op

revision = "passes_0006"
down_revision = "passes_0005"
branch_labels = None
depends_on = None

# (table, the counter's exam-type expression, the columns that decide the counter)
TABLES = {
    "links": ("passes_holder_links", "0", ("organisation_id",)),
    "types": ("passes_link_exam_types", "exam_type_id", ("organisation_id", "exam_type_id")),
}

POSTGRES_FUNCTION = """
CREATE FUNCTION passes_count_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        -- the usual update (names, dates) moves nothing between counters
        IF NOT EXISTS (SELECT {keys} FROM old_rows EXCEPT ALL SELECT {keys} FROM new_rows) THEN
            RETURN NULL;
        END IF;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        UPDATE passes_link_counts AS c SET links = c.links - o.links
        FROM (SELECT organisation_id, {type} AS exam_type_id, count(*) AS links FROM old_rows
              GROUP BY 1, 2) AS o
        WHERE c.organisation_id = o.organisation_id AND c.exam_type_id = o.exam_type_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO passes_link_counts AS c (organisation_id, exam_type_id, links)
        SELECT organisation_id, {type}, count(*) FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (organisation_id, exam_type_id) DO UPDATE SET links = c.links + EXCLUDED.links;
    END IF;
    RETURN NULL;
END $$
"""
POSTGRES_TRIGGERS = """
CREATE TRIGGER passes_count_{name}_insert AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION passes_count_{name}();
CREATE TRIGGER passes_count_{name}_update AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION passes_count_{name}();
CREATE TRIGGER passes_count_{name}_delete AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION passes_count_{name}()
"""

SQLITE_ADD = (
    "INSERT INTO passes_link_counts (organisation_id, exam_type_id, links) VALUES (NEW.organisation_id, {new_type}, 1) "
    "ON CONFLICT (organisation_id, exam_type_id) DO UPDATE SET links = links + 1;"
)
SQLITE_REMOVE = (
    "UPDATE passes_link_counts SET links = links - 1 "
    "WHERE organisation_id = OLD.organisation_id AND exam_type_id = {old_type};"
)
SQLITE_TRIGGERS = [
    "CREATE TRIGGER passes_count_{name}_insert AFTER INSERT ON {table} BEGIN " + SQLITE_ADD + " END",
    "CREATE TRIGGER passes_count_{name}_delete AFTER DELETE ON {table} BEGIN " + SQLITE_REMOVE + " END",
    "CREATE TRIGGER passes_count_{name}_update AFTER UPDATE OF {columns} ON {table} WHEN {changed} BEGIN "
    + SQLITE_REMOVE
    + " "
    + SQLITE_ADD
    + " END",
]

FILL = (
    "INSERT INTO passes_link_counts (organisation_id, exam_type_id, links) "
    "SELECT organisation_id, 0, count(*) FROM passes_holder_links GROUP BY organisation_id "
    "UNION ALL SELECT organisation_id, exam_type_id, count(*) FROM passes_link_exam_types "
    "GROUP BY organisation_id, exam_type_id"
)


def upgrade():
    op.create_table(
        "passes_link_counts",
        sa.Column("organisation_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("exam_type_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("links", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("organisation_id", "exam_type_id", name=op.f("pk_passes_link_counts")),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, (table, type_expression, keys) in TABLES.items():
        if postgres:
            op.execute(POSTGRES_FUNCTION.format(name=name, type=type_expression, keys=", ".join(keys)))
            for statement in POSTGRES_TRIGGERS.split(";"):
                op.execute(statement.format(name=name, table=table))
        else:
            changed = " OR ".join(f"NEW.{key} <> OLD.{key}" for key in keys)
            for statement in SQLITE_TRIGGERS:
                op.execute(
                    statement.format(
                        name=name,
                        table=table,
                        columns=", ".join(keys),
                        changed=changed,
                        new_type="0" if type_expression == "0" else "NEW.exam_type_id",
                        old_type="0" if type_expression == "0" else "OLD.exam_type_id",
                    )
                )
    op.execute(FILL)


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, (table, _, _) in TABLES.items():
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER passes_count_{name}_{event}" + (f" ON {table}" if postgres else ""))
        if postgres:
            op.execute(f"DROP FUNCTION passes_count_{name}()")
    op.drop_table("passes_link_counts")

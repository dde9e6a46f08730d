"""passes: the holder-organisation relation is HolderOrganisation everywhere, also in the database

Revision ID: passes_0008
Revises: 0003

"Link" is the person register's word. The tables passes_holder_links, passes_link_exam_types and
passes_link_counts, their link_id columns, the counts' links column, and every index and constraint
named after them take the names of HolderOrganisation, HolderOrganisationExamType and
HolderOrganisationCount. The data stays where it is.

PostgreSQL renames in place (tables, columns, sequence, constraints, indexes); a foreign key whose
new name is longer than PostgreSQL's 63 characters is made again, so that it carries the shortened
name SQLAlchemy gives it. SQLite renames tables and columns in place, then rebuilds each table under
its new constraint and index names (SQLite cannot rename those). The triggers that keep the counts
(passes_0006) are dropped first and made again last: PostgreSQL's trigger functions name the tables
in their bodies.
"""

import sqlalchemy as sa
from alembic import op

revision = "passes_0008"
down_revision = "0003"
branch_labels = None
depends_on = None

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Names:
    """The tables' names, their key column, the counts' column and the count triggers' names: before (OLD)
    and after (NEW)."""

    def __init__(self, holders_at, exam_types, counts, key, count, triggers):
        self.holders_at, self.exam_types, self.counts = holders_at, exam_types, counts
        self.key, self.count, self.triggers = key, count, triggers


OLD = Names(
    "passes_holder_links", "passes_link_exam_types", "passes_link_counts", "link_id", "links", ("links", "types")
)
NEW = Names(
    "passes_holder_organisations",
    "passes_holder_organisation_exam_types",
    "passes_holder_organisation_counts",
    "holder_organisation_id",
    "holders",
    ("holder_organisations", "holder_organisation_exam_types"),
)

# index name suffix -> columns
HOLDERS_AT_INDEXES = {
    "org_number_id": ["organisation_id", "number", "id"],
    "org_name_id": ["organisation_id", "name_key", "number", "id"],
    "org_birth_id": ["organisation_id", "birth_date", "number", "id"],
    "org_expires_id": ["organisation_id", "expires_on", "number", "id"],
    "org_external_id": ["organisation_id", "external_number", "number", "id"],
    "number_org_id": ["number", "organisation_id", "id"],
    "name_org_id": ["name_key", "number", "organisation_id", "id"],
    "birth_org_id": ["birth_date", "number", "organisation_id", "id"],
    "expires_org_id": ["expires_on", "number", "organisation_id", "id"],
    "external_org_id": ["external_number", "number", "organisation_id", "id"],
}
EXAM_TYPE_INDEXES = {  # each ends in the key column
    "type_org_number": ["exam_type_id", "organisation_id", "number"],
    "type_number": ["exam_type_id", "number", "organisation_id"],
    "type_name": ["exam_type_id", "name_key", "number", "organisation_id"],
    "type_birth": ["exam_type_id", "birth_date", "number", "organisation_id"],
    "type_expires": ["exam_type_id", "expires_on", "number", "organisation_id"],
    "type_external": ["exam_type_id", "external_number", "number", "organisation_id"],
}


def tables(names: Names) -> dict[str, sa.Table]:
    """The four tables as the models define them under these names (SQLite rebuilds them from this; the
    indexes of `index=True` columns are spelled out, as a rebuild makes only those)."""
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    for referred in ("organisations", "passes_holders", "passes_exam_types", "users"):
        sa.Table(referred, metadata, sa.Column("id", sa.Integer(), primary_key=True))
    holders_at = sa.Table(
        names.holders_at,
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "organisation_id", sa.Integer(), sa.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("holder_id", sa.Integer(), sa.ForeignKey("passes_holders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("external_number", sa.String(length=30), nullable=False),
        sa.Column("number", sa.String(length=8), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.UniqueConstraint("organisation_id", "holder_id"),
        sa.Index(f"ix_{names.holders_at}_holder_id", "holder_id"),
        *[sa.Index(f"ix_{names.holders_at}_{suffix}", *columns) for suffix, columns in HOLDERS_AT_INDEXES.items()],
    )
    exam_types = sa.Table(
        names.exam_types,
        metadata,
        sa.Column(
            names.key, sa.Integer(), sa.ForeignKey(f"{names.holders_at}.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "exam_type_id", sa.Integer(), sa.ForeignKey("passes_exam_types.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=8), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("external_number", sa.String(length=30), nullable=False),
        *[
            sa.Index(f"ix_{names.exam_types}_{suffix}", *columns, names.key)
            for suffix, columns in EXAM_TYPE_INDEXES.items()
        ],
    )
    counts = sa.Table(
        names.counts,
        metadata,
        sa.Column("organisation_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("exam_type_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column(names.count, sa.Integer(), nullable=False),
    )
    selection = sa.Table(
        "passes_selection_items",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column(names.key, sa.Integer(), sa.ForeignKey(f"{names.holders_at}.id", ondelete="CASCADE"), nullable=False),
        sa.Column("holder_id", sa.Integer(), sa.ForeignKey("passes_holders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", names.key),
        sa.UniqueConstraint("user_id", "holder_id", name="uq_passes_selection_items_user_holder"),
        sa.Index(f"ix_passes_selection_items_{names.key}", names.key),
        sa.Index("ix_passes_selection_items_holder_id", "holder_id"),
    )
    return {"holders_at": holders_at, "exam_types": exam_types, "counts": counts, "selection": selection}


# --- the count triggers (as passes_0006 made them, under the given names) ---------------------------

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
        UPDATE {counts} AS c SET {count} = c.{count} - o.{count}
        FROM (SELECT organisation_id, {type} AS exam_type_id, count(*) AS {count} FROM old_rows
              GROUP BY 1, 2) AS o
        WHERE c.organisation_id = o.organisation_id AND c.exam_type_id = o.exam_type_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO {counts} AS c (organisation_id, exam_type_id, {count})
        SELECT organisation_id, {type}, count(*) FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (organisation_id, exam_type_id) DO UPDATE SET {count} = c.{count} + EXCLUDED.{count};
    END IF;
    RETURN NULL;
END $$
"""
POSTGRES_TRIGGERS = [
    "CREATE TRIGGER passes_count_{name}_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION passes_count_{name}()",
    "CREATE TRIGGER passes_count_{name}_update AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows "
    "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION passes_count_{name}()",
    "CREATE TRIGGER passes_count_{name}_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION passes_count_{name}()",
]
SQLITE_ADD = (
    "INSERT INTO {counts} (organisation_id, exam_type_id, {count}) VALUES (NEW.organisation_id, {new_type}, 1) "
    "ON CONFLICT (organisation_id, exam_type_id) DO UPDATE SET {count} = {count} + 1;"
)
SQLITE_REMOVE = (
    "UPDATE {counts} SET {count} = {count} - 1 "
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


def counted_tables(names: Names) -> dict[str, tuple[str, str, tuple[str, ...]]]:
    """trigger name -> (table, the counter's exam-type expression, the columns that decide the counter)"""
    holders_at, exam_types = names.triggers
    return {
        holders_at: (names.holders_at, "0", ("organisation_id",)),
        exam_types: (names.exam_types, "exam_type_id", ("organisation_id", "exam_type_id")),
    }


def drop_triggers(names: Names) -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, (table, _, _) in counted_tables(names).items():
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER passes_count_{name}_{event}" + (f" ON {table}" if postgres else ""))
        if postgres:
            op.execute(f"DROP FUNCTION passes_count_{name}()")


def create_triggers(names: Names) -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, (table, type_expression, keys) in counted_tables(names).items():
        if postgres:
            op.execute(
                POSTGRES_FUNCTION.format(
                    name=name, type=type_expression, keys=", ".join(keys), counts=names.counts, count=names.count
                )
            )
            for statement in POSTGRES_TRIGGERS:
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
                        counts=names.counts,
                        count=names.count,
                        new_type="0" if type_expression == "0" else "NEW.exam_type_id",
                        old_type="0" if type_expression == "0" else "OLD.exam_type_id",
                    )
                )


# --- renaming -----------------------------------------------------------------------------------------


def rename_tables_and_columns(old: Names, new: Names) -> None:
    """The same SQL on both databases; the data stays."""
    op.execute(f"ALTER TABLE {old.holders_at} RENAME TO {new.holders_at}")
    op.execute(f"ALTER TABLE {old.exam_types} RENAME TO {new.exam_types}")
    op.execute(f"ALTER TABLE {new.exam_types} RENAME COLUMN {old.key} TO {new.key}")
    op.execute(f"ALTER TABLE passes_selection_items RENAME COLUMN {old.key} TO {new.key}")
    op.execute(f"ALTER TABLE {old.counts} RENAME TO {new.counts}")
    op.execute(f"ALTER TABLE {new.counts} RENAME COLUMN {old.count} TO {new.count}")


def rename_postgres_names(old: Names, new: Names) -> None:
    op.execute(f"ALTER SEQUENCE {old.holders_at}_id_seq RENAME TO {new.holders_at}_id_seq")
    before, after = tables(old), tables(new)
    for key, table in after.items():
        indexes, constraints = _by_signature(before[key].indexes, old), _by_signature(_constraints(before[key]), old)
        for signature, index in _by_signature(table.indexes, new).items():
            if indexes[signature].name != index.name:
                op.execute(f"ALTER INDEX {indexes[signature].name} RENAME TO {index.name}")
        for signature, constraint in _by_signature(_constraints(table), new).items():
            was = constraints[signature].name
            if was == constraint.name:
                continue
            if isinstance(constraint, sa.ForeignKeyConstraint):
                # made again (it checks every row once) where a rename would let PostgreSQL cut the name
                # short: op.f() shortens it the way SQLAlchemy does for the models
                op.drop_constraint(op.f(was), table.name, type_="foreignkey")
                op.create_foreign_key(
                    op.f(constraint.name),
                    table.name,
                    constraint.referred_table.name,
                    [column.name for column in constraint.columns],
                    ["id"],
                    ondelete=constraint.ondelete,
                )
            else:
                op.execute(f"ALTER TABLE {table.name} RENAME CONSTRAINT {was} TO {constraint.name}")


def rebuild_sqlite_tables(names: Names) -> None:
    for table in tables(names).values():
        with op.batch_alter_table(table.name, copy_from=table, recreate="always"):
            pass


def _constraints(table: sa.Table) -> list:
    return [constraint for constraint in table.constraints if not isinstance(constraint, sa.CheckConstraint)]


def _by_signature(items, names: Names) -> dict:
    """Indexes or constraints by kind and columns, the key column under one name whatever it is called."""
    return {
        (
            type(item).__name__,
            tuple("key" if column.name == names.key else column.name for column in item.columns),
        ): item
        for item in items
    }


def rename(old: Names, new: Names) -> None:
    drop_triggers(old)
    rename_tables_and_columns(old, new)
    if op.get_bind().dialect.name == "postgresql":
        rename_postgres_names(old, new)
    else:
        rebuild_sqlite_tables(new)
    create_triggers(new)


def upgrade():
    rename(OLD, NEW)


def downgrade():
    rename(NEW, OLD)

"""register: the words of a link's name carry what Uw koppelingen's name search counts, filters and sorts by (the
link's sort_name, state and dates, and the word before it), so a search is answered from the words' index alone

Revision ID: register_0005
Revises: 0008

register_link_words gets, per row, the word that comes before it among the link's words (sorted; '' for the first),
the link's sort_name, state, linked_at, unlink_on and unlinked_at. One index, (organisation, word, sort_name, link,
and the carried columns), holds everything a search reads: its count (one row per link: the first of its words that
starts with the typed word, i.e. the one whose previous word does not), the status filter, the other typed words
(tested on the carried sort_name), and its pages, in name order straight from the index word by word, or sorted by
a carried date. The triggers keep the rows: rewritten when the link's name or organisation changes, updated when its
state or dates change. The table is made anew and filled from the links in one statement.

The ontkoppeld op sort's indexes hold "unlinked_at IS NULL" and "unlink_on IS NULL" before each date: the list orders
by those (the empty dates last, first when descending), which SQLite can read from an index in order, where it must
sort for NULLS LAST (it sorts NULL first). Gepland's partial index gets the state and the planned date.
"""

import sqlalchemy as sa
from alembic import op

revision = "register_0005"
down_revision = "0008"
branch_labels = None
depends_on = None

CARRIED = ["state", "linked_at", "unlink_on", "unlinked_at"]  # copied from the link whenever they change
INDEX = ["organisation_id", "word", "sort_name", "link_id", "previous_word", "state", "unlink_on", "linked_at"]
INDEX += ["unlinked_at"]
ENDED = [sa.text("(unlinked_at IS NULL)"), "unlinked_at", sa.text("(unlink_on IS NULL)"), "unlink_on", "id"]
PLANNED = "state = 'linked' AND unlink_on IS NOT NULL"
ENDED_INDEXES = {
    "ix_register_links_org_ended": ["organisation_id"],
    "ix_register_links_org_state_ended": ["organisation_id", "state"],
}
COLUMNS = "organisation_id, word, link_id, previous_word, sort_name, state, linked_at, unlink_on, unlinked_at"

# the link's different words, each with the one before it (sorted as the index sorts them)
POSTGRES_WORDS = """SELECT {link}.organisation_id, word, {link}.id, coalesce(lag(word) OVER (ORDER BY word), ''),
        {link}.sort_name, {link}.state, {link}.linked_at, {link}.unlink_on, {link}.unlinked_at
    FROM (SELECT DISTINCT word FROM unnest(string_to_array({link}.sort_name, ' ')) AS word WHERE word <> '') AS words"""
POSTGRES = [
    """CREATE FUNCTION register_link_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.sort_name = OLD.sort_name AND NEW.organisation_id = OLD.organisation_id THEN
        UPDATE register_link_words SET state = NEW.state, linked_at = NEW.linked_at, unlink_on = NEW.unlink_on,
            unlinked_at = NEW.unlinked_at
        WHERE link_id = NEW.id;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM register_link_words WHERE link_id = NEW.id;
    END IF;
    INSERT INTO register_link_words ("""
    + COLUMNS
    + ") "
    + POSTGRES_WORDS.format(link="NEW")
    + """;
    RETURN NULL;
END $$""",
    """CREATE TRIGGER register_link_words
    AFTER INSERT OR UPDATE OF sort_name, organisation_id, state, linked_at, unlink_on, unlinked_at ON register_links
    FOR EACH ROW EXECUTE FUNCTION register_link_words()""",
]
# SQLite has no split function: json_quote escapes the name as a JSON string, whose spaces become "," separators
SQLITE_SPLIT = "json_each('[' || replace(json_quote({link}.sort_name), ' ', '\",\"') || ']')"
SQLITE_WORDS = """SELECT NEW.organisation_id, value, NEW.id, coalesce(lag(value) OVER (ORDER BY value), ''),
        NEW.sort_name, NEW.state, NEW.linked_at, NEW.unlink_on, NEW.unlinked_at
    FROM (SELECT DISTINCT value FROM {split} WHERE value <> '')""".format(split=SQLITE_SPLIT.format(link="NEW"))
SQLITE = [
    # register_0002's insert trigger sets sort_name by an UPDATE, which fires this one
    """CREATE TRIGGER register_link_words AFTER UPDATE OF sort_name, organisation_id ON register_links BEGIN
    DELETE FROM register_link_words WHERE link_id = NEW.id;
    INSERT INTO register_link_words ("""
    + COLUMNS
    + ") "
    + SQLITE_WORDS
    + """;
END""",
    """CREATE TRIGGER register_link_words_carried AFTER UPDATE OF state, linked_at, unlink_on, unlinked_at
    ON register_links BEGIN
    UPDATE register_link_words SET state = NEW.state, linked_at = NEW.linked_at, unlink_on = NEW.unlink_on,
        unlinked_at = NEW.unlinked_at
    WHERE link_id = NEW.id;
END""",
]
FILL = {
    "postgresql": "INSERT INTO register_link_words ("
    + COLUMNS
    + """) SELECT register_links.organisation_id, words.word, register_links.id, words.previous_word,
        register_links.sort_name, register_links.state, register_links.linked_at, register_links.unlink_on,
        register_links.unlinked_at
    FROM register_links, LATERAL (
        SELECT word, coalesce(lag(word) OVER (ORDER BY word), '') AS previous_word
        FROM (SELECT DISTINCT word FROM unnest(string_to_array(register_links.sort_name, ' ')) AS word
              WHERE word <> '') AS different
    ) AS words""",
    "sqlite": "INSERT INTO register_link_words ("
    + COLUMNS
    + """) SELECT organisation_id, value, id, coalesce(lag(value) OVER (PARTITION BY id ORDER BY value), ''),
        sort_name, state, linked_at, unlink_on, unlinked_at
    FROM (SELECT DISTINCT register_links.id, register_links.organisation_id, value, register_links.sort_name,
            register_links.state, register_links.linked_at, register_links.unlink_on, register_links.unlinked_at
          FROM register_links, """
    + SQLITE_SPLIT.format(link="register_links")
    + " WHERE value <> '')",
}


def _drop_triggers(postgres: bool) -> None:
    if postgres:
        op.execute("DROP TRIGGER register_link_words ON register_links")
        op.execute("DROP FUNCTION register_link_words()")
    else:
        op.execute("DROP TRIGGER register_link_words")
        op.execute("DROP TRIGGER IF EXISTS register_link_words_carried")


FOREIGN_KEYS = {  # name: (column, table referred to, its column)
    "fk_register_link_words_link_id_register_links": ("link_id", "register_links", "id"),
    "fk_register_link_words_organisation_id_organisations": ("organisation_id", "organisations", "id"),
}


def _words_table(*carried: sa.Column, foreign_keys: bool = True) -> None:
    op.create_table(
        "register_link_words",
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(length=240), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        *carried,
        *(
            sa.ForeignKeyConstraint([column], [f"{table}.{key}"], name=op.f(name), ondelete="CASCADE")
            for name, (column, table, key) in (FOREIGN_KEYS.items() if foreign_keys else ())
        ),
        sa.PrimaryKeyConstraint("link_id", "word", name=op.f("pk_register_link_words")),
    )


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    _drop_triggers(postgres)
    op.drop_table("register_link_words")
    _words_table(
        sa.Column("previous_word", sa.String(length=240), nullable=False),
        sa.Column("sort_name", sa.String(length=240), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unlink_on", sa.Date(), nullable=True),
        sa.Column("unlinked_at", sa.DateTime(timezone=True), nullable=True),
        foreign_keys=not postgres,  # PostgreSQL checks them once after the fill, not per row
    )
    op.execute(FILL["postgresql" if postgres else "sqlite"])
    if postgres:
        for name, (column, table, key) in FOREIGN_KEYS.items():
            op.create_foreign_key(op.f(name), "register_link_words", table, [column], [key], ondelete="CASCADE")
    op.create_index("ix_register_link_words_lookup", "register_link_words", INDEX, unique=False)
    for statement in POSTGRES if postgres else SQLITE:
        op.execute(statement)
    # ontkoppeld op, in the order links.py writes it: the empty dates last (first when descending)
    for name, columns in ENDED_INDEXES.items():
        op.drop_index(name, table_name="register_links")
        op.create_index(name, "register_links", [*columns, *ENDED], unique=False)
    # Gepland: its state among the columns, so SQLite's planner prefers it to the state's other indexes (it read
    # every linked link of the organisation for a count), and the planned date, so a count reads this index alone
    op.drop_index("ix_register_links_org_planned", table_name="register_links")
    op.create_index(
        "ix_register_links_org_planned",
        "register_links",
        ["organisation_id", "state", "sort_name", "id", "unlink_on"],
        unique=False,
        sqlite_where=sa.text(PLANNED),
        postgresql_where=sa.text(PLANNED),
    )
    op.execute("ANALYZE register_link_words")
    op.execute("ANALYZE register_links")


# register_0003's table and triggers, as they were
OLD_POSTGRES_WORDS = (
    "SELECT {link}.organisation_id, word, {link}.id FROM unnest(string_to_array({link}.sort_name, ' ')) AS word "
    "WHERE word <> '' ON CONFLICT DO NOTHING"
)
OLD_POSTGRES = [
    """CREATE FUNCTION register_link_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM register_link_words WHERE link_id = NEW.id;
    END IF;
    INSERT INTO register_link_words (organisation_id, word, link_id) """
    + OLD_POSTGRES_WORDS.format(link="NEW")
    + """;
    RETURN NULL;
END $$""",
    """CREATE TRIGGER register_link_words AFTER INSERT OR UPDATE OF sort_name, organisation_id ON register_links
    FOR EACH ROW EXECUTE FUNCTION register_link_words()""",
]
OLD_SQLITE_WORDS = (
    "SELECT {link}.organisation_id, value, {link}.id "
    "FROM json_each('[' || replace(json_quote({link}.sort_name), ' ', '\",\"') || ']') WHERE value <> ''"
)
OLD_SQLITE = [
    """CREATE TRIGGER register_link_words AFTER UPDATE OF sort_name, organisation_id ON register_links BEGIN
    DELETE FROM register_link_words WHERE link_id = NEW.id;
    INSERT OR IGNORE INTO register_link_words (organisation_id, word, link_id) """
    + OLD_SQLITE_WORDS.format(link="NEW")
    + """;
END""",
]


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_index("ix_register_links_org_planned", table_name="register_links")
    op.create_index(
        "ix_register_links_org_planned",
        "register_links",
        ["organisation_id", "sort_name", "id"],
        unique=False,
        sqlite_where=sa.text(PLANNED),
        postgresql_where=sa.text(PLANNED),
    )
    for name, columns in ENDED_INDEXES.items():
        op.drop_index(name, table_name="register_links")
        op.create_index(name, "register_links", [*columns, "unlinked_at", "unlink_on", "id"], unique=False)
    _drop_triggers(postgres)
    op.drop_table("register_link_words")
    _words_table()
    words = (OLD_POSTGRES_WORDS if postgres else OLD_SQLITE_WORDS).format(link="register_links")
    if postgres:
        words = words.replace("FROM unnest", "FROM register_links, unnest")
    else:
        words = words.replace("FROM json_each", "FROM register_links, json_each")
    op.execute(
        f"INSERT {'' if postgres else 'OR IGNORE '}INTO register_link_words (organisation_id, word, link_id) {words}"
    )
    op.create_index(
        "ix_register_link_words_lookup", "register_link_words", ["organisation_id", "word", "link_id"], unique=False
    )
    for statement in OLD_POSTGRES if postgres else OLD_SQLITE:
        op.execute(statement)

"""register: the words of each link's name, for Uw koppelingen's name search, kept by triggers

Revision ID: register_0003
Revises: register_0002

A name search ("jan", "zwartk") reads the matching links from one index, (organisation, word, link), instead of
testing every link of a large organisation. The words are the link's sort_name split at spaces; triggers write them
whenever a link's sort_name is set (register_0002's triggers set it on insert and on a person's rename).
"""

import sqlalchemy as sa
from alembic import op

revision = "register_0003"
down_revision = "register_0002"
branch_labels = None
depends_on = None

POSTGRES_WORDS = (
    "SELECT {link}.organisation_id, word, {link}.id FROM unnest(string_to_array({link}.sort_name, ' ')) AS word "
    "WHERE word <> '' ON CONFLICT DO NOTHING"
)
POSTGRES = [
    """CREATE FUNCTION register_link_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM register_link_words WHERE link_id = NEW.id;
    END IF;
    INSERT INTO register_link_words (organisation_id, word, link_id) """
    + POSTGRES_WORDS.format(link="NEW")
    + """;
    RETURN NULL;
END $$""",
    """CREATE TRIGGER register_link_words AFTER INSERT OR UPDATE OF sort_name, organisation_id ON register_links
    FOR EACH ROW EXECUTE FUNCTION register_link_words()""",
]
# SQLite has no split function: json_quote escapes the name as a JSON string, whose spaces become "," separators
SQLITE_WORDS = (
    "SELECT {link}.organisation_id, value, {link}.id "
    "FROM json_each('[' || replace(json_quote({link}.sort_name), ' ', '\",\"') || ']') WHERE value <> ''"
)
SQLITE = [
    # register_0002's insert trigger sets sort_name by an UPDATE, which fires this one
    """CREATE TRIGGER register_link_words AFTER UPDATE OF sort_name, organisation_id ON register_links BEGIN
    DELETE FROM register_link_words WHERE link_id = NEW.id;
    INSERT OR IGNORE INTO register_link_words (organisation_id, word, link_id) """
    + SQLITE_WORDS.format(link="NEW")
    + """;
END""",
]


def upgrade():
    op.create_table(
        "register_link_words",
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(length=240), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["register_links.id"],
            name=op.f("fk_register_link_words_link_id_register_links"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_register_link_words_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("link_id", "word", name=op.f("pk_register_link_words")),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    words = (POSTGRES_WORDS if postgres else SQLITE_WORDS).format(link="register_links")
    if postgres:
        words = words.replace("FROM unnest", "FROM register_links, unnest")
    else:
        words = words.replace("FROM json_each", "FROM register_links, json_each")
    op.execute(
        f"INSERT {'' if postgres else 'OR IGNORE '}INTO register_link_words (organisation_id, word, link_id) {words}"
    )
    with op.batch_alter_table("register_link_words", schema=None) as batch_op:
        batch_op.create_index("ix_register_link_words_lookup", ["organisation_id", "word", "link_id"], unique=False)
    for statement in POSTGRES if postgres else SQLITE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER register_link_words ON register_links")
        op.execute("DROP FUNCTION register_link_words()")
    else:
        op.execute("DROP TRIGGER register_link_words")
    with op.batch_alter_table("register_link_words", schema=None) as batch_op:
        batch_op.drop_index("ix_register_link_words_lookup")
    op.drop_table("register_link_words")

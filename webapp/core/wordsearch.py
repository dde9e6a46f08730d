"""Name search on a table of search words: one row per word of a thing's name (a card holder's, a linked person's)
with the thing's organisation, indexed by (organisation, word, …). The pieces the smartcard list and Uw koppelingen
share: a typed word as an index range, the rarest typed word, and the skip scan that finds the different words
starting with it. Statements take bind parameters (`search_…`), so a caller builds each once and keeps it."""

from sqlalchemy import Integer, String, bindparam, func, literal, select
from sqlalchemy.orm import aliased

from webapp.extensions import db

LAST_CHARACTER = "\U0010ffff"  # every word that starts with w sorts before w + LAST_CHARACTER


def word_params(name: str, word: str) -> dict:
    """The values of the range starts_with(column, name) tests."""
    return {name: word, f"{name}_end": word + LAST_CHARACTER}


def starts_with(column, name: str) -> list:
    """`column` starts with the word of parameter `name`: a range the index answers."""
    return [column >= bindparam(name, type_=String), column < bindparam(f"{name}_end", type_=String)]


def starts_a_word(word: str) -> str:
    """A LIKE pattern (escape "/") for " " + a name whose words are split by spaces: the word starts one of them."""
    return "% " + word.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def skip_scan(words, organisation):
    """The different words of the organisation that start with search_rarest, in order, up to search_bound of them:
    one probe of the words' index per different word, however many things have it. `words` is the search words'
    mapped class (with .organisation_id and .word), `organisation` the organisation's bind parameter."""
    following = aliased(words)
    start = (
        select(words.word)
        .where(words.organisation_id == organisation, *starts_with(words.word, "search_rarest"))
        .order_by(words.word)
        .limit(1)
        .scalar_subquery()
    )
    found = select(start.label("word"), literal(1).label("number")).cte("found", recursive=True)
    step = (
        select(following.word)
        .where(
            following.organisation_id == organisation,
            following.word > found.c.word,
            following.word < bindparam("search_rarest_end", type_=String),
        )
        .order_by(following.word)
        .limit(1)
        .scalar_subquery()
    )
    bound = bindparam("search_bound", type_=Integer)
    found = found.union_all(select(step, found.c.number + 1).where(found.c.word.is_not(None), found.c.number < bound))
    return select(found.c.word).where(found.c.word.is_not(None))


def word_count(words, thing_id, organisation):
    """How many of the organisation's search words start with search_rarest, counted up to search_bound."""
    matches = select(thing_id).where(words.organisation_id == organisation, *starts_with(words.word, "search_rarest"))
    return select(func.count()).select_from(matches.limit(bindparam("search_bound", type_=Integer)).subquery())


def rarest(count_statement, base: dict, typed: list[str], common: int) -> tuple[str, int]:
    """The typed word that starts the fewest of the organisation's search words, and how many: counted up to
    `common`, and each next word only up to the fewest so far (a common word is not counted through)."""
    found, fewest = None, common
    for word in dict.fromkeys(typed):
        params = {**base, **word_params("search_rarest", word), "search_bound": fewest}
        count = db.session.execute(count_statement, params).scalar_one()
        if found is None or count < fewest:
            found, fewest = word, count
    return found, fewest

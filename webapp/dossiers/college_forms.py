"""The college's list's query string (zoek, opleiding, school, opp, contact, pagina), read into the services' terms,
and written back for its links."""

from webapp.core.ids import whole_number
from webapp.core.paging import MAX_PAGE
from webapp.dossiers.college import Filters

SEARCH_LENGTH = 100


def list_filters(args) -> Filters:
    """The list's filters from its query string; a value a filter does not take is left out."""
    search = " ".join((args.get("zoek") or "").split())
    return Filters(
        search="" if "\x00" in search else search[:SEARCH_LENGTH],  # PostgreSQL cannot compare a NUL
        programme_id=whole_number(args.get("opleiding")),
        school_id=whole_number(args.get("school")),
        opp=args.get("opp") == "ja",
        contact=args.get("contact") == "ja",
        page=min(whole_number(args.get("pagina")) or 1, MAX_PAGE),
    )


def list_args(filters: Filters, **changes) -> dict:
    values = {
        "zoek": filters.search,
        "opleiding": filters.programme_id,
        "school": filters.school_id,
        "opp": "ja" if filters.opp else None,
        "contact": "ja" if filters.contact else None,
        "pagina": filters.page,
    }
    values.update(changes)
    return {
        key: value for key, value in values.items() if value not in (None, "") and not (key == "pagina" and value == 1)
    }

"""What Uw koppelingen's URLs and forms carry, in their Dutch words, read into the services' terms.

The list's query string: status, zoek (a name), sort, richting, pagina, and bsn-zoekopdracht: the opaque id of a
search by full BSN. A BSN never goes into a URL: it is posted (ZoekBSNForm), the server keeps its keyed hash sealed
in the session under a random id for SEARCH_MINUTES, and the list's URL carries only that id. So the address bar,
the history, the server's access log and a shared link hold nothing that leads back to the person, and a search id
means nothing in another browser or after it expired. A value a field does not take is left out, never an error.
"""

import secrets
import time
from dataclasses import dataclass

from wtforms.validators import DataRequired

from webapp.core.bsn import lookup_hash
from webapp.core.forms import BSNField, DutchDateField, Form
from webapp.core.ids import whole_number
from webapp.core.paging import MAX_PAGE
from webapp.core.sealing import keep_sealed, read_sealed
from webapp.register.links import ALL, CURRENT, STATUSES, Filters

STATUS_WORDS = {"huidig": CURRENT, "gepland": "planned", "ontkoppeld": "unlinked", "alle": ALL}
WORD_OF_STATUS = {status: word for word, status in STATUS_WORDS.items()}
STATUS_OPTIONS = {word: STATUSES[status] for word, status in STATUS_WORDS.items()}
SORTS = {"naam": "name", "gekoppeld": "linked_at", "ontkoppeld": "unlinked"}  # the column headers' words
SORT_WORDS = {sort: word for word, sort in SORTS.items()}
COLUMNS = {"naam": "Naam", "gekoppeld": "Gekoppeld op", "ontkoppeld": "Ontkoppeld op"}
_DEFAULTS = {"status": "huidig", "sort": "naam", "richting": "asc", "pagina": 1}

SEARCH_KEY = "register_bsn_search"
SEARCH_MINUTES = 30


@dataclass
class BSNSearch:
    id: str
    bsn_hash: str
    expires: float


def remember_bsn_search(session, bsn) -> str:
    """Keep the BSN's keyed hash sealed in the session under a fresh random id: the id the list's URL carries."""
    search = BSNSearch(secrets.token_urlsafe(12), lookup_hash(bsn), time.time() + SEARCH_MINUTES * 60)
    keep_sealed(session, SEARCH_KEY, search)
    return search.id


def _bsn_search(session, search_id: str) -> BSNSearch | None:
    search = read_sealed(session, SEARCH_KEY, BSNSearch) if search_id else None
    if search is None or not secrets.compare_digest(search.id, search_id) or search.expires < time.time():
        return None
    return search


def list_filters(args, session) -> tuple[Filters, bool]:
    """The list's filters from its query string, and whether a BSN search id was given that is no longer valid."""
    search = (args.get("zoek") or "").strip()
    search_id = args.get("bsn-zoekopdracht") or ""
    bsn_search = _bsn_search(session, search_id)
    return (
        Filters(
            status=STATUS_WORDS.get(args.get("status"), CURRENT),
            search="" if "\x00" in search else search[:100],  # PostgreSQL cannot compare a NUL
            bsn_hash=bsn_search.bsn_hash if bsn_search else None,
            sort=SORTS.get(args.get("sort"), "name"),
            direction="desc" if args.get("richting") == "desc" else "asc",
            page=min(whole_number(args.get("pagina")) or 1, MAX_PAGE),
        ),
        bool(search_id) and bsn_search is None,
    )


def list_args(filters: Filters, search_id: str = "", **changes) -> dict:
    """The query-string arguments of these filters, with changes (in the URL's words), defaults left out."""
    values = {
        "status": WORD_OF_STATUS[filters.status],
        "zoek": filters.search,
        "bsn-zoekopdracht": search_id if filters.bsn_hash else "",
        "sort": SORT_WORDS[filters.sort],
        "richting": filters.direction,
        "pagina": filters.page,
    }
    values.update(changes)
    return {key: value for key, value in values.items() if value not in (None, "") and _DEFAULTS.get(key) != value}


class BSNSearchForm(Form):
    bsn = BSNField("BSN", validators=[DataRequired(message="Vul een BSN in.")])


class PlanForm(Form):
    unlink_on = DutchDateField("Ontkoppelen op")

"""What the beheeromgeving's URLs and forms carry, in their Dutch words, read into the services' terms.

The list's query string: status, zoek, sort, richting, pagina. A value a field does not take is left out,
never an error."""

from wtforms import RadioField, TextAreaField

from webapp.core.forms import Form
from webapp.core.ids import whole_number
from webapp.core.paging import MAX_PAGE
from webapp.smartcards import states
from webapp.smartcards.cards import NOTE_LENGTH, STATUSES, Filters

SORTS = {  # the column headers' words -> the list's sorts
    "houder": "holder",
    "kaartnummer": "card_serial",
    "certificaat": "certificate_serial",
    "status": "status",
    "uitgegeven": "issued_on",
    "verloopt": "expires_on",
    "gebruikt": "last_used",
}
SORT_WORDS = {sort: word for word, sort in SORTS.items()}
COLUMNS = {  # the columns in the list's order: sort word -> header
    "houder": "Houder",
    "kaartnummer": "Kaartnummer",
    "certificaat": "Certificaatnummer",
    "status": "Status",
    "uitgegeven": "Uitgegeven op",
    "verloopt": "Verloopt op",
    "gebruikt": "Laatst gebruikt",
}
_DEFAULTS = {"sort": "houder", "richting": "asc", "pagina": 1}


def list_filters(args) -> Filters:
    search = (args.get("zoek") or "").strip()
    status = args.get("status") or ""
    return Filters(
        status=status if status in STATUSES else "",
        search="" if "\x00" in search else search[:100],  # PostgreSQL cannot compare a NUL
        sort=SORTS.get(args.get("sort"), "holder"),
        direction="desc" if args.get("richting") == "desc" else "asc",
        page=min(whole_number(args.get("pagina")) or 1, MAX_PAGE),
    )


def list_args(filters: Filters, **changes) -> dict:
    """The query-string arguments of these filters, with changes (in the URL's words), defaults left out."""
    values = dict(
        status=filters.status,
        zoek=filters.search,
        sort=SORT_WORDS[filters.sort],
        richting=filters.direction,
        pagina=filters.page,
    )
    values.update(changes)
    return {key: value for key, value in values.items() if value not in (None, "") and _DEFAULTS.get(key) != value}


class ActionForm(Form):
    """Blokkeren and intrekken: why (one of the table's reasons), and a note ("Anders" needs one)."""

    reason = RadioField("Reden", choices=list(states.REASONS.items()), validate_choice=False)
    note = TextAreaField("Toelichting", render_kw={"maxlength": NOTE_LENGTH, "rows": 3})

"""What the pages' URLs and forms carry, in their Dutch words, read into the services' terms.

The list's query string: organisatie, examentype, examennummer, vervaldatum_van, vervaldatum_tot,
zoek, sort, richting, pagina, and na or voor (the keyset keys of Volgende and Vorige). A holder row's
form carries the list's query string back in `terug`, so a post without JavaScript lands on the list
as it was. A value that is not what its field takes is left out, never an error.
"""

from functools import partial
from urllib.parse import parse_qsl, urlencode

from werkzeug.datastructures import MultiDict

from webapp.core.ids import whole_number
from webapp.core.timeutil import parse_date
from webapp.passes.listing import MAX_PAGE, Filters

SORTS = {  # the sort column headers' words -> the list's sorts
    "nummer": "number",
    "naam": "name",
    "geboortedatum": "birth_date",
    "vervaldatum": "expires_on",
    "status": "status",
    "extern": "external_number",
}
SORT_WORDS = {sort: word for word, sort in SORTS.items()}
_DEFAULTS = {"sort": "nummer", "richting": "asc", "pagina": 1}


def list_filters(args) -> Filters:
    """The list's filters in a query string or form."""

    def text(name, length):
        value = (args.get(name) or "").strip()
        return "" if "\x00" in value else value[:length]  # PostgreSQL cannot compare a NUL

    return Filters(
        organisation=whole_number(args.get("organisatie")),
        exam_type=whole_number(args.get("examentype")),
        exam_number=text("examennummer", 30),
        expires_from=parse_date(args.get("vervaldatum_van", "")),
        expires_to=parse_date(args.get("vervaldatum_tot", "")),
        search=text("zoek", 100),
        sort=SORTS.get(args.get("sort"), "number"),
        direction="desc" if args.get("richting") == "desc" else "asc",
        page=min(whole_number(args.get("pagina")) or 1, MAX_PAGE),
        after=text("na", 300),
        before=text("voor", 300) if not args.get("na") else "",
    )


def list_args(filters: Filters, **changes) -> dict:
    """The query-string arguments of these filters, with changes (in the URL's words), defaults left out."""
    values = dict(
        organisatie=filters.organisation,
        examentype=filters.exam_type,
        examennummer=filters.exam_number,
        vervaldatum_van=filters.expires_from.isoformat() if filters.expires_from else None,
        vervaldatum_tot=filters.expires_to.isoformat() if filters.expires_to else None,
        zoek=filters.search,
        sort=SORT_WORDS[filters.sort],
        richting=filters.direction,
        pagina=filters.page,
        na=filters.after,
        voor=filters.before,
    )
    values.update(changes)
    if "na" not in changes and "voor" not in changes and set(changes) & {"pagina", "sort", "richting"}:
        values.update(na=None, voor=None)  # another page or order: the old key does not apply
    return {key: value for key, value in values.items() if value not in (None, "") and _DEFAULTS.get(key) != value}


def list_query(filters: Filters) -> dict:
    """The list's query, as its template builds links and forms from it: the filters' arguments (`list_args(...)`
    with changes, `query_args` as they are), the query string a row's form carries back (`terug`), the query
    strings of a row's "Bekijk details" link that opens and that closes it (encoded once for all rows), and
    the current sort's word."""
    query_args = list_args(filters)
    terug = urlencode(query_args)
    return dict(
        list_args=partial(list_args, filters),
        query_args=query_args,
        terug=terug,
        open_details="?" + urlencode({"open": 1, **query_args}),
        close_details="?" + terug if terug else "",
        sort_word=SORT_WORDS[filters.sort],
    )


def carried_filters(form) -> Filters:
    """The list's filters that a row's post carries back in `terug` (their query string), read anew as the
    list reads them: whatever else the field holds goes nowhere, not into a Location or a link."""
    return list_filters(MultiDict(parse_qsl(form.get("terug", ""))))


def request_search(args) -> str:
    """Ingestuurde verzoeken's Zoek: part of a kenmerk."""
    value = (args.get("zoek") or "").strip()
    return "" if "\x00" in value else value[:100]


def request_options(form) -> dict:
    """The options of Verzoek indienen: the idempotency key, the kenmerk, the chosen exam types and expiry dates."""
    return dict(
        idempotency_key=form.get("sleutel", ""),
        reference=form.get("kenmerk", ""),
        exam_type_ids=[number for number in map(whole_number, form.getlist("examentypes")) if number],
        expiry_dates=[day.isoformat() for day in map(parse_date, form.getlist("vervaldata")) if day],
    )

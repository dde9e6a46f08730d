"""Numbers from URLs, query strings and forms that go into the database's INTEGER columns (ids, page numbers)."""

from werkzeug.routing import IntegerConverter

MAX_INTEGER = 2**31 - 1  # PostgreSQL's INTEGER, the id columns' type; a larger value is an error there


def whole_number(value: str | None) -> int | None:
    """A positive whole number as typed into a query string or form, up to MAX_INTEGER; None for anything else.

    ASCII digits only: str.isdigit() also passes "²", which int() refuses.
    """
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(MAX_INTEGER)):
        return None
    number = int(value)
    return number if 0 < number <= MAX_INTEGER else None


class IdConverter(IntegerConverter):
    """The routes' <int:...>: a number beyond the id columns matches no route (a 404), where the
    database would refuse it (a 500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_INTEGER, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)

"""What the fuzz tests of every module share: the nasty values, the declaration of what an endpoint reads
(`Target`), and the checks of what a user or attacker would notice.

Each endpoint is sent first every nasty value in each of its fields in turn, the other fields valid (so a bad
number reaches the code past the form's other checks), then what hypothesis makes of the fields together. Every
answer: no server error (the test client raises what would be one), a redirect only within the portal, an input
refused (400, 404, 413, 422) or a GET stores nothing, and a refusal says why in Dutch."""

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from webapp.core.jobs import wait_for_in_process_jobs
from webapp.errors import MESSAGES
from webapp.extensions import db

FUZZ = settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

NASTY = [
    "",
    " ",
    "\x00",
    "Onderwerp\r\nBcc: iemand@kwaad.example",
    "²",  # str.isdigit() says yes, int() says no
    "١٢",  # Arabic-Indic digits: int() takes them
    "①",
    "-1",
    "0",
    "2147483648",  # one past PostgreSQL's INTEGER
    "99999999999999999999",
    "9" * 400,
    "Infinity",
    "NaN",
    "1e309",
    "1_000",
    "x" * 10_000,
    "ü@ü.nl",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "<script>alert(1)</script>",
    "31-02-2020",
    "2020-13-01",
    "//kwaad.example",
    "https://kwaad.example/pad",
]


@dataclass(frozen=True)
class Target:
    """One endpoint as one role: the fields it reads, and a valid value for those a valid request needs.

    For a POST, a field named "?name" is read from the query string. `args` and `valid` are functions of the
    world (ids are known only once it is made). `body` turns the values into the request's body where they are not
    a form's fields (a JSON document, the cells of an uploaded CSV file); `sends` are then the form's names.
    `label` tells two targets of one endpoint and role apart."""

    role: str
    method: str
    endpoint: str
    fields: tuple[str, ...] = ()
    args: Callable = field(default=lambda world: {}, compare=False)
    valid: Callable = field(default=lambda world: {}, compare=False)
    body: Callable | None = field(default=None, compare=False)
    sends: tuple[str, ...] = ()
    label: str = ""

    @property
    def id(self) -> str:
        return f"{self.role}-{self.method}-{self.endpoint}" + (f"-{self.label}" if self.label else "")

    def reads(self) -> set[str]:
        """The names it reads from the form (a POST) or the query string (a GET)."""
        return set(self.sends) if self.body else {name for name in self.fields if not name.startswith("?")}

    def reads_from_query(self) -> set[str]:
        if self.method == "GET":
            return set(self.fields)
        return {name[1:] for name in self.fields if name.startswith("?")}


def row_counts() -> dict[str, int]:
    """Every table's row count, in one query, after the jobs earlier requests started have ended."""
    wait_for_in_process_jobs()
    tables = db.metadata.sorted_tables
    counts = db.session.execute(
        select(*(select(func.count()).select_from(table).scalar_subquery() for table in tables))
    ).one()
    db.session.rollback()
    return dict(zip((table.name for table in tables), counts, strict=True))


ERROR_PAGE_TITLES = [title for title, _ in MESSAGES.values()]


def says_why_in_dutch(response) -> bool:
    if response.is_json:
        return bool((response.get_json(silent=True) or {}).get("message"))
    body = response.get_data(as_text=True)
    return any(
        marker in body
        for marker in [
            'class="error"',
            'class="form-errors"',
            "Deze link werkt niet",  # a used or false activation or reset link
            "Koppel eerst een authenticator",  # a code posted before there is an authenticator
            "Fouten per regel",  # the passes import's report
            *ERROR_PAGE_TITLES,
        ]
    )


def value_strategy(valid):
    one = st.one_of(st.sampled_from(NASTY), st.text(max_size=30), *([st.just(valid)] if valid is not None else []))
    return st.one_of(one, st.lists(one, min_size=2, max_size=3))  # a list: the field sent more than once


def sweep(target: Target, valid: dict):
    """Each field with each nasty value, the others valid; and each field left out, and sent twice."""
    yield dict(valid)
    for name in target.fields:
        for nasty in NASTY:
            yield {**valid, name: nasty}
        yield {key: value for key, value in valid.items() if key != name}
        yield {**valid, name: [str(valid.get(name, "1")), "²"]}


class Fuzzer:
    def __init__(self, world, target: Target):
        self.world, self.target = world, target
        self.client = world.clients[target.role]
        self.url = world.url(target.endpoint, **target.args(world))
        self.counts = row_counts()

    def run(self):
        """The sweep, every case of it (each failure listed), then hypothesis."""
        valid = self.target.valid(self.world)
        failures = []
        for values in sweep(self.target, valid):
            try:
                self.send(values)
            except AssertionError as failure:
                failures.append(str(failure).splitlines()[0])
        assert not failures, f"{len(failures)} failing case(s):\n" + "\n".join(failures)

        @FUZZ
        @given(
            values=st.fixed_dictionaries(
                {}, optional={name: value_strategy(valid.get(name)) for name in self.target.fields}
            ),
            htmx=st.booleans(),
        )
        def explore(values, htmx):
            self.send({**valid, **values}, htmx=htmx)

        explore()

    def request_arguments(self, values: dict) -> dict:
        target = self.target
        if target.method == "GET":
            return {"query_string": values}
        query = {name[1:]: value for name, value in values.items() if name.startswith("?")}
        form = {name: value for name, value in values.items() if not name.startswith("?")}
        if target.body:
            return {"query_string": query, **target.body(form)}
        return {"query_string": query, "data": form}

    def send(self, values: dict, htmx: bool = False):
        target = self.target
        what = f"{target.role} {target.method} {self.url} {values!r:.300}" + (" (htmx)" if htmx else "")
        before = self.counts
        try:
            response = self.client.open(
                self.url,
                method=target.method,
                headers={"HX-Request": "true"} if htmx else {},
                **self.request_arguments(values),
            )
        except Exception as error:  # the test client raises what a server would answer with a 500
            self.counts = row_counts()
            raise AssertionError(f"server error for {what}: {error!r}") from error
        self.counts = row_counts()
        status = response.status_code
        assert status < 500, f"{status} for {what}"
        location = response.headers.get("Location") or response.headers.get("HX-Redirect") or ""
        parts = urlsplit(location)
        assert parts.netloc in ("", "localhost") and not any(ord(c) < 32 for c in location), (
            f"redirect off the portal ({location!r}) for {what}"
        )
        refused = status in (400, 404, 413, 422)
        if refused or target.method == "GET":
            changed = {name for name, count in self.counts.items() if count != before[name]}
            assert not changed, f"{status}, yet {sorted(changed)} changed, for {what}"
        if refused:
            assert says_why_in_dutch(response), f"{status} without a Dutch message for {what}"
        return response


def fuzz(world, target: Target):
    Fuzzer(world, target).run()


def visit(world, targets):
    """Endpoints that read no field: each answers plainly, as htmx, and with fields it does not know; as above."""
    failures = []
    for target in targets:
        assert not target.fields, target
        fuzzer = Fuzzer(world, target)
        for values, htmx in [({}, False), ({}, True), *(({"onbekend": nasty}, False) for nasty in NASTY[:8])]:
            try:
                fuzzer.send(values, htmx)
            except AssertionError as failure:
                failures.append(str(failure).splitlines()[0])
    assert not failures, f"{len(failures)} failing case(s):\n" + "\n".join(failures)


def fuzz_tests(targets: list[Target]):
    """A module's two tests of its targets: each target with fields fuzzed on its own, the others visited together."""
    with_fields = [target for target in targets if target.fields]

    @pytest.mark.parametrize("target", with_fields, ids=[target.id for target in with_fields])
    def test_fuzz(fuzz_world, target):
        fuzz(fuzz_world, target)

    def test_endpoints_without_fields(fuzz_world):
        visit(fuzz_world, [target for target in targets if not target.fields])

    return test_fuzz, test_endpoints_without_fields

"""Bad input on every passes endpoint, on both databases: never a 500 (the test client raises what would
be one), never a redirect off the list, and a submit that does not go through stores nothing."""

from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import login
from tests.passes.conftest import (
    PassesWorld,
    no_build,  # noqa: F401 - the fixture, for the world below
    page_key,
)
from webapp.extensions import db
from webapp.passes import services
from webapp.passes.models import PassRequest, SelectionItem

FUZZ = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


BAD = [
    "²",
    "-1",
    "0",
    "3000000000",
    "99999999999999999999",
    "\x00",
    "Knight\x00ley",
    "x" * 10_000,
    "9" * 10_000,
    "31-02-2020",
    "2020-13-01",
    "00-00-0000",
    "",
    " ",
    "١٢",
    "1e3",
    "zoek=a\r\nSet-Cookie: x=y",
    "//evil.example",
    "https://evil.example",
    "<script>alert(1)</script>",
    "desc",
    "naam",
    "1",
    page_key("73029884", 3000000000),
    page_key("7302\x00", 1),
    page_key(None, "73029884", 99999999999999999999),
    page_key("2020-13-01", "73029884", 1),
    page_key([1], {}),
    "not a key ✓",
]
# the list's query parameters; details and open are the row's
LIST_FIELDS = [
    "organisatie",
    "examentype",
    "examennummer",
    "vervaldatum_van",
    "vervaldatum_tot",
    "zoek",
    "sort",
    "richting",
    "pagina",
    "na",
    "voor",
    "details",
    "open",
]
BAD_IDS = ["0", "3000000000", "99999999999999999999", "9" * 5000, "-1", quote("²"), quote("\x00"), "1e3"]

value = st.one_of(st.sampled_from(BAD), st.text(max_size=20))
values = st.one_of(value, st.lists(value, min_size=2, max_size=3))  # a list: the field sent more than once


def fields(names):
    return st.fixed_dictionaries({}, optional={name: values for name in names})


@pytest.fixture
def world(app, factory, request):
    request.getfixturevalue("no_build")  # requests are stored, not built
    return PassesWorld(factory)


@pytest.fixture
def deby(app, world):
    client = app.test_client()
    login(client, "deby@herenbos.example", organisation=world.roc.id)
    return client


@pytest.fixture
def ids(world):
    """A holder organisation and a request of Deby's, another organisation's holder organisation, and ids no row has."""
    own = world.holder_organisation(world.knightley).id
    services.add_to_selection(world.acting(), [own])
    request = services.submit_request(world.acting(), "own")
    request.status = "failed"
    db.session.commit()
    return {
        "holder_organisation": [str(own), str(world.holder_organisation(world.foreign).id), *BAD_IDS],
        "request": [str(request.id), *BAD_IDS],
    }


def check(response):
    """What a user or attacker would see: no server error, and a redirect only to a page of the portal's list."""
    assert response.status_code in (200, 204, 302, 303, 308, 400, 404), response.status_code
    location = response.headers.get("Location") or response.headers.get("HX-Redirect")
    if location:
        parts = urlsplit(location)
        assert parts.netloc in ("", "localhost") and parts.path.startswith("/pasjes"), (
            location
        )  # 308: Werkzeug's "//" merge
        assert not any(ord(c) < 32 for c in location), location
    return response


def every_bad_value(names):
    """Each field with each bad value, alone and twice."""
    for name in names:
        for bad in BAD:
            yield {name: bad}
        yield {name: ["1", "²"]}


HTMX = [{}, {"HX-Request": "true"}]


def test_the_list_and_its_rows(deby, ids):
    for number, args in enumerate(every_bad_value(LIST_FIELDS)):
        check(deby.get("/pasjes", query_string=args, headers=HTMX[number % 2]))
        holder_organisation = ids["holder_organisation"][number % len(ids["holder_organisation"])]
        check(deby.get(f"/pasjes/houders/{holder_organisation}", query_string=args, headers=HTMX[number % 2]))

    @FUZZ
    @given(
        args=fields(LIST_FIELDS),
        holder_organisation=st.sampled_from(ids["holder_organisation"]),
        htmx=st.sampled_from(HTMX),
    )
    def fuzz(args, holder_organisation, htmx):
        check(deby.get("/pasjes", query_string=args, headers=htmx))
        check(deby.get(f"/pasjes/houders/{holder_organisation}", query_string=args, headers=htmx))

    fuzz()


def test_adding_and_removing(deby, ids):
    for number, form in enumerate(every_bad_value(LIST_FIELDS + ["terug"])):
        htmx = HTMX[number % 2]
        holder_organisation = ids["holder_organisation"][number % len(ids["holder_organisation"])]
        check(deby.post(f"/pasjes/selectie/{holder_organisation}/toevoegen", data=form, headers=htmx))
        check(deby.post(f"/pasjes/selectie/{holder_organisation}/verwijderen", data=form, headers=htmx))
        check(deby.post("/pasjes/selectie/alle-toevoegen", data=form, headers=htmx))
        asking_first(deby, form, htmx)
        check(deby.post("/pasjes/selectie/alle-verwijderen", data=form, headers=htmx))

    @FUZZ
    @given(
        form=fields(LIST_FIELDS + ["terug"]),
        holder_organisation=st.sampled_from(ids["holder_organisation"]),
        htmx=st.sampled_from(HTMX),
        action=st.sampled_from(
            [
                "{holder_organisation}/toevoegen",
                "{holder_organisation}/verwijderen",
                "alle-toevoegen",
                "alle-verwijderen",
            ]
        ),
    )
    def fuzz(form, holder_organisation, htmx, action):
        asking_first(deby, form, htmx)
        check(
            deby.post(
                "/pasjes/selectie/" + action.format(holder_organisation=holder_organisation), data=form, headers=htmx
            )
        )

    fuzz()


def asking_first(deby, args, htmx):
    """Verwijder alle's confirmation, with the list's filters it goes back to: it removes nothing."""
    before = stored()
    check(deby.get("/pasjes/selectie/alle-verwijderen", query_string=args, headers=htmx))
    assert stored() == before, f"the confirmation changed something for {args!r}"


SUBMIT_FIELDS = ["sleutel", "kenmerk", "examentypes", "vervaldata"]


def stored():
    db.session.expire_all()
    return db.session.query(PassRequest).count(), db.session.query(SelectionItem).count()


def test_submitting(deby, world, ids):
    holder_organisation = world.holder_organisation(world.knightley).id

    def submit(form, htmx):
        if not db.session.query(SelectionItem).count():
            services.add_to_selection(world.acting(), [holder_organisation])
            db.session.commit()
        before = stored()
        response = check(deby.post("/pasjes/verzoek", data=form, headers=htmx))
        if response.status_code not in (204, 303):
            assert stored() == before, f"stored something for {form!r}"
            assert response.status_code == 400 and 'class="form-errors"' in response.get_data(as_text=True)
        for reference in db.session.execute(db.select(PassRequest.reference)).scalars():
            assert len(reference) <= 100 and "\x00" not in reference

    for number, form in enumerate(every_bad_value(SUBMIT_FIELDS)):
        submit({"sleutel": f"sweep-{number}", **form}, HTMX[number % 2])
    check(deby.get("/pasjes/verzoek"))

    @FUZZ
    @given(form=fields(SUBMIT_FIELDS), htmx=st.sampled_from(HTMX))
    def fuzz(form, htmx):
        submit(form, htmx)

    fuzz()


def test_requests_download_retry_and_verification(app, deby, ids):
    check(deby.get("/pasjes/verzoeken"))
    anonymous = app.test_client()
    for request_id in ids["request"]:
        for htmx in HTMX:
            check(deby.get(f"/pasjes/verzoeken/{request_id}", headers=htmx))
            check(deby.get(f"/pasjes/verzoeken/{request_id}/download", headers=htmx))
            check(deby.post(f"/pasjes/verzoeken/{request_id}/opnieuw", headers=htmx))
    for token in [*BAD_IDS, *(quote(bad, safe="") for bad in BAD if bad), "A" * 10_000]:
        check(anonymous.get(f"/pasjes/verificatie/{token}"))

    @FUZZ
    @given(token=st.text(min_size=1, max_size=40))
    def fuzz(token):
        check(anonymous.get("/pasjes/verificatie/" + quote(token, safe="")))

    fuzz()


def test_searching_the_requests(deby, ids):
    for number, args in enumerate(every_bad_value(["zoek"])):
        check(deby.get("/pasjes/verzoeken", query_string=args, headers=HTMX[number % 2]))

    @FUZZ
    @given(args=fields(["zoek"]), htmx=st.sampled_from(HTMX))
    def fuzz(args, htmx):
        check(deby.get("/pasjes/verzoeken", query_string=args, headers=htmx))

    fuzz()


def test_deleting_a_request(deby, ids):
    """Verwijderen asks first; ids of no request of Deby's delete nothing, her own request goes once. It reads
    no field: those it does not know change nothing."""
    own, *others = ids["request"]
    for request_id in others:
        for htmx in HTMX:
            before = stored()
            check(deby.get(f"/pasjes/verzoeken/{request_id}/verwijderen", headers=htmx))
            check(
                deby.post(
                    f"/pasjes/verzoeken/{request_id}/verwijderen", data={"onbekend": "//evil.example"}, headers=htmx
                )
            )
            assert stored() == before, f"deleting {request_id!r} changed something"
    before = stored()
    for bad in BAD:
        asked = check(deby.get(f"/pasjes/verzoeken/{own}/verwijderen", query_string={"onbekend": bad}))
        assert asked.status_code == 200 and "Ja, verwijder dit verzoek" in asked.get_data(as_text=True)
    assert stored() == before
    check(deby.post(f"/pasjes/verzoeken/{own}/verwijderen", data={"onbekend": "\x00"}, headers=HTMX[1]))
    assert stored()[0] == before[0] - 1
    gone = [
        check(deby.post(f"/pasjes/verzoeken/{own}/verwijderen")),
        check(deby.get(f"/pasjes/verzoeken/{own}/verwijderen")),
    ]
    assert stored()[0] == before[0] - 1 and gone[1].status_code == 404

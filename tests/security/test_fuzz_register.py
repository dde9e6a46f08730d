"""Fuzz every form and query parameter of the person register, on both databases: the organisation's pages as its
eHerkenning employee, the person's pages as the DigiD person (see tests/security/fuzzing.py for what is
checked)."""

import io

import pytest

from tests.security.conftest import World
from tests.security.fuzzing import Target, fuzz_tests
from webapp.register.forms import ROWS

CSV_COLUMNS = ("bsn", "geboortedatum", "ontkoppelen_op")
ROW_FIELDS = tuple(f"rows-{row}-{name}" for row in range(ROWS) for name in ("bsn", "birth_date", "unlink_on"))


def csv_upload(values):
    """Meerdere personen tegelijk koppelen's CSV file: a header and one row of `values`."""
    cells = [values.get(column, "") for column in CSV_COLUMNS]
    text = "BSN;Geboortedatum;Ontkoppelen op\n" + ";".join(str(cell) for cell in cells) + "\n"
    return {"data": {"file": (io.BytesIO(text.encode()), "personen.csv")}}


LINK_LIST = ("status", "zoek", "bsn-zoekopdracht", "sort", "richting", "pagina")


def _link(world):
    return {"link_id": world.ids["link_id"]}


def _request(world):
    return {"request_id": world.ids["request_id"]}


def _chosen(world):
    return {"verzoek": str(world.ids["request_id"])}


TARGETS = [
    # logging in (webapp/register/login_views.py): the provider is not reachable here (tests/conftest.py), so a
    # login button ends on the refusal page inside the portal; the callbacks refuse every state they did not send
    Target("anonymous", "GET", "register_login.start", ("volgende",)),
    Target("anonymous", "POST", "register_login.eherkenning", ("volgende",)),
    Target("anonymous", "POST", "register_login.digid", ("volgende",)),
    Target("anonymous", "GET", "register_login.eherkenning_callback", ("code", "state", "error")),
    Target("anonymous", "GET", "register_login.digid_callback", ("code", "state", "error")),
    Target("register_org", "GET", "register_login.eherkenning_callback", ("code", "state", "error")),
    Target("anonymous", "GET", "register_login.refused", args=lambda world: {"reden": "niveau-te-laag"}),
    # Uw koppelingen: the list (its search by full BSN is posted), the export, a person's page, the planned date and
    # Verbreek koppeling (last of the organisation's: Daan is unlinked then)
    Target("register_org", "GET", "register_links.index", LINK_LIST),
    Target("register_org", "POST", "register_links.search_bsn", ("bsn",), valid=lambda world: {"bsn": "123 456 721"}),
    Target("register_org", "POST", "register_links.export", LINK_LIST),
    Target("register_org", "GET", "register_links.person", args=_link),
    Target(
        "register_org",
        "POST",
        "register_links.plan",
        ("unlink_on", "actie"),
        args=_link,
        valid=lambda world: {"unlink_on": "2099-01-01"},
    ),
    Target("register_org", "GET", "register_links.unlink", args=_link),
    # the organisation's linking: Sanne (enrolled, born 17-05-1990) is linked by the valid request
    Target("register_org", "GET", "register.home"),
    Target(
        "register_org",
        "POST",
        "register.link",
        ("bsn", "birth_date", "unlink_on"),
        valid=lambda world: {"bsn": "123 456 770", "birth_date": "1990-05-17"},
    ),
    Target("register_org", "GET", "register.requests"),
    Target("register_org", "GET", "register.reject", args=_request),
    Target(
        "register_org",
        "POST",
        "register.reject",
        ("reason",),
        args=_request,
        valid=lambda world: {"reason": "Onbekend"},
    ),
    Target("register_org", "POST", "register.accept", ("rij",), args=_request),
    Target("register_org", "POST", "register.confirm_many", ("verzoek",), valid=_chosen),
    Target("register_org", "POST", "register.accept_many", ("verzoek",), valid=_chosen),
    Target("register_org", "GET", "register.link_many"),
    Target(
        "register_org",
        "POST",
        "register.link_many",
        ROW_FIELDS,
        valid=lambda world: {"rows-0-bsn": "123456770", "rows-0-birth_date": "1990-05-17"},
    ),
    Target(
        "register_org",
        "POST",
        "register.link_csv",
        CSV_COLUMNS,
        valid=lambda world: {"bsn": "123456770", "geboortedatum": "17-05-1990"},
        body=csv_upload,
        sends=("file",),
    ),
    Target("register_org", "GET", "register.organisation"),
    # the person's pages, as Daan (enrolled, linked to Alfa; the world's open request is another person's)
    Target("register_person", "GET", "register_person.home"),
    Target("register_person", "POST", "register_person.enrol", label="enrolled"),  # enrolled already: home again
    # enrolling, with the name and birth date typed (the token lacks them); without the birth date a case is
    # refused, so the newcomer stays unenrolled for most of the sweep
    Target("register_newcomer", "GET", "register_person.home"),
    Target(
        "register_newcomer",
        "POST",
        "register_person.enrol",
        ("first_name", "infix", "last_name", "birth_date", "email"),
        valid=lambda world: {"first_name": "Lotte", "last_name": "Visser", "email": "lotte@voorbeeld.example"},
    ),
    Target("register_person", "GET", "register_person.email"),
    Target(
        "register_person",
        "POST",
        "register_person.email",
        ("email",),
        valid=lambda world: {"email": "daan@voorbeeld.example"},
    ),
    Target(
        "register_person",
        "GET",
        "register_person.find_organisation",
        ("zoek", "pagina"),
        valid=lambda world: {"zoek": "alfa"},
    ),
    Target(
        "register_person",
        "GET",
        "register_person.request_link",
        args=lambda world: {"organisation_id": world.ids["organisation_id"]},
    ),
    Target(  # Alfa links Daan already: refused
        "register_person",
        "POST",
        "register_person.request_link",
        args=lambda world: {"organisation_id": world.ids["organisation_id"]},
    ),
    Target(  # another person's request: a 404
        "register_person",
        "GET",
        "register_person.withdraw",
        args=lambda world: {"request_id": world.ids["request_id"]},
    ),
    Target(
        "register_person",
        "POST",
        "register_person.withdraw",
        args=lambda world: {"request_id": world.ids["request_id"]},
    ),
    Target("register_person", "GET", "register_person.deregister"),
    Target("register_person", "POST", "register_person.deregister"),  # still linked: refused
    Target("register_org", "POST", "register_links.unlink", args=_link),
    # logging out, last: the sessions end
    Target("register_org", "POST", "register_login.organisation_logout"),
    Target("register_person", "POST", "register_login.person_logout"),
]


@pytest.fixture
def fuzz_world(register_world) -> World:
    return register_world


test_fuzz, test_endpoints_without_fields = fuzz_tests(TARGETS)

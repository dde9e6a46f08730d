"""Helpers for the register's tests: enrolled persons, childcare organisations, and sessions as if the person or
the organisation's employee had logged in through DigiD or eHerkenning (the OIDC login itself is tested against
the real provider in test_oidc_*; these helpers open the same server-side session the login opens)."""

from datetime import date
from itertools import count

from webapp.core.bsn import BSN
from webapp.extensions import db
from webapp.register import sessions
from webapp.register.models import RegisteredPerson

_numbers = count(1)

# Valid BSNs (11-proef), not real persons'.
BSNS = ("111222333", "123456782", "999999990", "111111110", "100000009", "192837465", "555555550", "987654321")


def valid_bsn(number: int) -> str:
    """The `number`-th 9-digit string that passes the 11-proef, from 100000000 up: as many test BSNs as needed."""
    found = -1
    candidate = 100_000_000
    while True:
        if BSN.parse(str(candidate)):
            found += 1
            if found == number:
                return str(candidate)
        candidate += 1


def enrolled_person(
    bsn: str, birth_date: date = date(1990, 5, 17), *, first_name="Test", infix="", last_name=None, email=""
) -> RegisteredPerson:
    person = RegisteredPerson(birth_date=birth_date, email=email)
    person.bsn = bsn
    person.set_name(first_name, infix, last_name or f"Persoon{next(_numbers)}")
    db.session.add(person)
    db.session.commit()
    return person


def childcare_organisation(factory, name=None, *, kvk_number=None, **fields):
    number = next(_numbers)
    return factory.organisation(
        name or f"Kinderopvang {number}", kind="childcare", kvk_number=kvk_number or f"{70000000 + number}", **fields
    )


def _put_in_cookie(client, via: str, token: str) -> None:
    with client.session_transaction() as cookie:
        cookie[sessions.SESSION_KEY[via]] = token


def as_organisation(client, organisation, *, level="EH2+", mandated=True, subject="medewerker-1") -> None:
    """The client's browser now holds an eHerkenning session of an employee of `organisation`."""
    with client.application.test_request_context():
        token = sessions.open_session(
            "eherkenning", level=level, subject=subject, organisation_id=organisation.id, mandated=mandated
        )
        db.session.commit()
    _put_in_cookie(client, "eherkenning", token)


def as_person(client, bsn: str, *, first_name="Test", infix="", last_name="Persoon", birth_date=date(1990, 5, 17)):
    """The client's browser now holds a DigiD session of the person with `bsn`."""
    with client.application.test_request_context():
        token = sessions.open_session(
            "digid",
            level="DigiD",
            bsn=bsn,
            first_name=first_name,
            infix=infix,
            last_name=last_name,
            birth_date=birth_date,
        )
        db.session.commit()
    _put_in_cookie(client, "digid", token)


def browser_cookie(app, base: str, via: str, **fields) -> dict:
    """A cookie for Playwright's `context.add_cookies`: the browser holds a session of `via` with `fields` (as
    as_organisation / as_person open it), for browser tests of pages behind that login. The login itself is tested
    through the real OIDC provider."""
    with app.test_request_context():
        token = sessions.open_session(via, **fields)
        db.session.commit()
        signed = app.session_interface.get_signing_serializer(app).dumps({sessions.SESSION_KEY[via]: token})
    return {"name": app.config["SESSION_COOKIE_NAME"], "value": signed, "url": base}

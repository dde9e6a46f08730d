"""A person's page in Uw koppelingen: their data with the BSN masked, the earlier links with this organisation, the
planned unlink date (after today, Europe/Amsterdam: set, changed, cleared) and Verbreek koppeling, which asks
first, mails the person and is audited without a BSN. Another organisation's link is a 404 on every route."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.register.support import as_organisation, childcare_organisation, enrolled_person
from webapp.core.models import AuditEvent
from webapp.core.timeutil import today_local, utcnow
from webapp.extensions import db
from webapp.register.models import Link

URL = "/personenregister/organisatie/koppelingen"
BSN = "123456782"


def _linked(factory, *, email="roos@voorbeeld.example"):
    organisation = childcare_organisation(factory, "Kinderopvang Eigen")
    person = enrolled_person(BSN, first_name="Roos", infix="de", last_name="Winter", email=email)
    earlier = Link(
        person=person,
        organisation=organisation,
        state="unlinked",
        linked_at=utcnow() - timedelta(days=400),
        unlinked_at=utcnow() - timedelta(days=200),
        unlinked_by="unlink",
    )
    link = Link(person=person, organisation=organisation, linked_at=utcnow() - timedelta(days=10))
    db.session.add_all([earlier, link])
    db.session.commit()
    return organisation, link, earlier


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_the_person_page(app, client, factory):
    organisation, link, earlier = _linked(factory)
    as_organisation(client, organisation)
    html = _text(client.get(f"{URL}/{link.id}"))
    assert "Roos de Winter" in html and "*****6782" in html and BSN not in html
    assert "17-05-1990" in html  # the birth date
    assert (utcnow() - timedelta(days=10)).strftime("%d-%m-%Y") in html  # gekoppeld op
    assert earlier.unlinked_at.strftime("%d-%m-%Y") in html  # the earlier link, in the history
    assert "Verbreek koppeling" in html and "Niet gepland" in html


def test_another_organisations_link_is_a_404_on_every_route(app, client, factory):
    _, link, _ = _linked(factory)
    other = childcare_organisation(factory, "Kinderopvang Ander")
    as_organisation(client, other)
    tomorrow = (today_local() + timedelta(days=1)).isoformat()
    assert client.get(f"{URL}/{link.id}").status_code == 404
    assert client.get(f"{URL}/{link.id}/verbreken").status_code == 404
    assert client.post(f"{URL}/{link.id}/verbreken").status_code == 404
    assert client.post(f"{URL}/{link.id}/ontkoppelen-op", data={"unlink_on": tomorrow}).status_code == 404
    assert client.get(f"{URL}/999999").status_code == 404
    db.session.refresh(link)
    assert link.state == "linked" and link.unlink_on is None


def test_unlink_asks_first_then_unlinks_mails_and_audits(app, client, factory, outbox):
    organisation, link, _ = _linked(factory)
    as_organisation(client, organisation)
    question = client.get(f"{URL}/{link.id}/verbreken")
    assert "Weet u zeker dat u de koppeling met Roos de Winter wilt verbreken?" in _text(question)
    assert db.session.get(Link, link.id).state == "linked"  # asking changes nothing
    answer = client.post(f"{URL}/{link.id}/verbreken")
    assert answer.status_code == 303 and answer.headers["Location"].endswith(URL)
    listed = _text(client.get(URL))
    assert "Roos de Winter is niet meer gekoppeld" in listed and "flash-success" in listed
    assert "0 koppelingen gevonden" in listed  # Huidig: no longer there
    link = db.session.get(Link, link.id)
    assert link.state == "unlinked" and link.unlinked_by == "unlink" and link.unlinked_at is not None
    mails = outbox.to("roos@voorbeeld.example")
    assert len(mails) == 1 and "ontkoppeld" in mails[0]["Subject"]
    assert BSN not in mails[0].get_body().get_content()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "register.unlink"))
    assert event.organisation_id == organisation.id and event.subject == f"link:{link.id}"
    assert (event.old_state, event.new_state) == ("linked", "unlinked")
    assert BSN not in (event.subject + event.detail)
    # the page of an unlinked link no longer offers it; a second post is refused
    assert "Verbreek koppeling" not in _text(client.get(f"{URL}/{link.id}"))
    assert client.post(f"{URL}/{link.id}/verbreken").status_code == 409
    tomorrow = (today_local() + timedelta(days=1)).isoformat()
    refused = client.post(f"{URL}/{link.id}/ontkoppelen-op", data={"unlink_on": tomorrow})
    assert refused.status_code == 409 and "niet meer aan uw organisatie gekoppeld" in _text(refused)
    assert len(outbox.to("roos@voorbeeld.example")) == 1


@pytest.mark.parametrize("days", [0, -1])
def test_a_planned_date_must_be_after_today(app, client, factory, days):
    organisation, link, _ = _linked(factory)
    as_organisation(client, organisation)
    typed = (today_local() + timedelta(days=days)).strftime("%d-%m-%Y")
    answer = client.post(f"{URL}/{link.id}/ontkoppelen-op", data={"unlink_on": typed})
    assert answer.status_code == 400
    assert "De datum bij Ontkoppelen op moet na vandaag liggen." in _text(answer)
    assert db.session.get(Link, link.id).unlink_on is None


def test_a_bad_date_is_refused(app, client, factory):
    organisation, link, _ = _linked(factory)
    as_organisation(client, organisation)
    for typed in ("31-02-2030", "morgen", ""):
        answer = client.post(f"{URL}/{link.id}/ontkoppelen-op", data={"unlink_on": typed})
        assert answer.status_code == 400 and "form-errors" in _text(answer)
    assert db.session.get(Link, link.id).unlink_on is None


def test_set_change_and_clear_the_planned_date(app, client, factory):
    organisation, link, _ = _linked(factory)
    as_organisation(client, organisation)
    first, later = today_local() + timedelta(days=1), today_local() + timedelta(days=40)
    answer = client.post(f"{URL}/{link.id}/ontkoppelen-op", data={"unlink_on": first.isoformat()})
    assert answer.status_code == 303
    assert f"Roos de Winter wordt ontkoppeld op {first:%d-%m-%Y}" in _text(client.get(answer.headers["Location"]))
    assert db.session.get(Link, link.id).unlink_on == first
    client.post(f"{URL}/{link.id}/ontkoppelen-op", data={"unlink_on": later.strftime("%d-%m-%Y")})
    assert db.session.get(Link, link.id).unlink_on == later
    planned = _text(client.get(URL + "?status=gepland"))
    assert "Roos de Winter" in planned and f"Ontkoppelen op {later:%d-%m-%Y}" in planned
    client.post(f"{URL}/{link.id}/ontkoppelen-op", data={"actie": "wissen"})
    assert db.session.get(Link, link.id).unlink_on is None
    assert db.session.get(Link, link.id).state == "linked"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "register.plan_unlink")).all()
    assert [json.loads(event.detail)["unlink_on"] for event in events] == [
        f"{first:%d-%m-%Y}",
        f"{later:%d-%m-%Y}",
        "",
    ]

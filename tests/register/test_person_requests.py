"""A person's link requests (koppelverzoeken): finding an organisation by name, KvK number or city, asking it (once;
not one that links them already), withdrawing a request, and another person's request being a 404. On SQLite and
PostgreSQL."""

from sqlalchemy import func, select

from tests.register.support import as_person, childcare_organisation, enrolled_person
from webapp.core.models import AuditEvent
from webapp.extensions import db
from webapp.register.models import Link, LinkRequest

BSN = "111222333"
OTHER_BSN = "123456782"
HOME = "/personenregister/persoon"
FIND = f"{HOME}/organisatie-zoeken"


def organisations(factory):
    zonnebloem = childcare_organisation(factory, "Kinderopvang De Zonnebloem", kvk_number="69599084", city="Utrecht")
    nest = factory.organisation(
        "Gastouderbureau Het Nest", kind="host_parent_agency", kvk_number="69599085", city="Amersfoort"
    )
    bakery = factory.organisation("Bakkerij Zonnebloem", kind="company", kvk_number="69599086", city="Utrecht")
    return zonnebloem, nest, bakery


def open_requests():
    return db.session.scalar(select(func.count()).select_from(LinkRequest).where(LinkRequest.state == "open"))


def test_find_an_organisation_by_name_kvk_number_or_city(client, factory):
    zonnebloem, nest, bakery = organisations(factory)
    enrolled_person(BSN)
    as_person(client, BSN)

    page = client.get(FIND).get_data(as_text=True)
    assert "Naam, KvK-nummer of plaats" in page and "Kinderopvang De Zonnebloem" not in page

    by_name = client.get(FIND, query_string={"zoek": "zonnebloem"}).get_data(as_text=True)
    assert "Kinderopvang De Zonnebloem" in by_name and "Bakkerij" not in by_name  # childcare and agencies only
    assert f'href="{HOME}/koppelverzoek/{zonnebloem.id}"' in by_name
    by_kvk = client.get(FIND, query_string={"zoek": "69599085"}).get_data(as_text=True)
    assert "Gastouderbureau Het Nest" in by_kvk and "Zonnebloem" not in by_kvk
    by_city = client.get(FIND, query_string={"zoek": "amersfoort"}).get_data(as_text=True)
    assert "Gastouderbureau Het Nest" in by_city and "Zonnebloem" not in by_city
    nothing = client.get(FIND, query_string={"zoek": "100%_"}).get_data(as_text=True)
    assert "Er is geen kinderopvangorganisatie of gastouderbureau gevonden" in nothing

    # htmx as you type: the results and the count as fragments, the address pushed
    response = client.get(FIND, query_string={"zoek": "utrecht"}, headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment and 'id="organisation-results"' in fragment
    assert "Kinderopvang De Zonnebloem" in fragment and 'data-hx-swap-oob="innerHTML"' in fragment
    assert response.headers["HX-Push-Url"] == f"{FIND}?zoek=utrecht"

    # another kind of organisation cannot be asked
    assert client.get(f"{HOME}/koppelverzoek/{bakery.id}").status_code == 404
    assert client.post(f"{HOME}/koppelverzoek/{bakery.id}").status_code == 404
    assert open_requests() == 0


def test_search_pages_through_many_organisations(client, factory):
    for number in range(23):
        childcare_organisation(factory, f"Kinderopvang Regenboog {number:02d}", city="Zwolle")
    enrolled_person(BSN)
    as_person(client, BSN)
    first = client.get(FIND, query_string={"zoek": "regenboog"}).get_data(as_text=True)
    assert "Regenboog 00" in first and "Regenboog 09" in first and "Regenboog 10" not in first
    assert f'href="{FIND}?zoek=regenboog&amp;pagina=2"' in first
    third = client.get(FIND, query_string={"zoek": "regenboog", "pagina": "3"}).get_data(as_text=True)
    assert "Regenboog 22" in third and "Regenboog 19" not in third and 'rel="next"' not in third


def test_request_a_link_and_ask_twice(client, factory):
    zonnebloem, nest, bakery = organisations(factory)
    person = enrolled_person(BSN)
    as_person(client, BSN)

    page = client.get(f"{HOME}/koppelverzoek/{zonnebloem.id}").get_data(as_text=True)
    assert "Wilt u Kinderopvang De Zonnebloem vragen om u te koppelen?" in page and "Vraag om koppeling" in page

    response = client.post(f"{HOME}/koppelverzoek/{zonnebloem.id}")
    assert response.status_code == 303 and response.location.endswith(HOME)
    [request] = db.session.scalars(select(LinkRequest)).all()
    assert (request.person_id, request.organisation_id, request.state) == (person.id, zonnebloem.id, "open")
    page = client.get(HOME).get_data(as_text=True)
    assert "U hebt Kinderopvang De Zonnebloem gevraagd om u te koppelen." in page
    assert "Gevraagd" in page and f'href="{HOME}/koppelverzoeken/{request.id}/intrekken"' in page
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "register.request"))
    assert event.subject == f"person:{person.id}" and BSN not in event.detail

    # asking twice says so, and stores nothing more
    page = client.get(f"{HOME}/koppelverzoek/{zonnebloem.id}").get_data(as_text=True)
    assert (
        "U hebt Kinderopvang De Zonnebloem al gevraagd om u te koppelen." in page and "Vraag om koppeling" not in page
    )
    response = client.post(f"{HOME}/koppelverzoek/{zonnebloem.id}")
    assert response.status_code == 409
    assert "U hebt Kinderopvang De Zonnebloem al gevraagd om u te koppelen." in response.get_data(as_text=True)
    assert open_requests() == 1
    assert "U hebt deze organisatie al gevraagd" in client.get(FIND, query_string={"zoek": "zonnebloem"}).get_data(
        as_text=True
    )


def test_asking_an_organisation_that_links_them_says_so(client, factory):
    zonnebloem, nest, bakery = organisations(factory)
    person = enrolled_person(BSN)
    db.session.add(Link(person=person, organisation=nest))
    db.session.commit()
    as_person(client, BSN)
    response = client.post(f"{HOME}/koppelverzoek/{nest.id}")
    assert response.status_code == 409
    assert "Gastouderbureau Het Nest heeft u al gekoppeld." in response.get_data(as_text=True)
    assert open_requests() == 0
    found = client.get(FIND, query_string={"zoek": "nest"}).get_data(as_text=True)
    assert "U bent gekoppeld aan deze organisatie." in found


def test_withdraw_a_request(client, factory):
    zonnebloem, nest, bakery = organisations(factory)
    person = enrolled_person(BSN)
    request = LinkRequest(person=person, organisation=zonnebloem)
    db.session.add(request)
    db.session.commit()
    as_person(client, BSN)
    withdraw = f"{HOME}/koppelverzoeken/{request.id}/intrekken"

    page = client.get(withdraw).get_data(as_text=True)
    assert "Wilt u uw koppelverzoek aan Kinderopvang De Zonnebloem intrekken?" in page
    assert f'action="{withdraw}"' in page and "Ja, intrekken" in page and "Annuleren" in page

    response = client.post(withdraw)
    assert response.status_code == 303 and response.location.endswith(HOME)
    assert db.session.get(LinkRequest, request.id).state == "withdrawn"
    page = client.get(HOME).get_data(as_text=True)
    assert "Uw koppelverzoek aan Kinderopvang De Zonnebloem is ingetrokken." in page and "Ingetrokken" in page

    # withdrawn already: the state table's words, nothing changes
    response = client.post(withdraw)
    assert response.status_code == 409
    message = "Een koppelverzoek met de status ingetrokken kunt u niet intrekken."
    assert message in response.get_data(as_text=True)
    assert message in client.get(withdraw).get_data(as_text=True)

    # asking again after withdrawing is fine
    assert client.post(f"{HOME}/koppelverzoek/{zonnebloem.id}").status_code == 303
    assert open_requests() == 1


def test_another_persons_request_is_not_found(client, factory):
    zonnebloem, nest, bakery = organisations(factory)
    enrolled_person(BSN)
    other = enrolled_person(OTHER_BSN)
    request = LinkRequest(person=other, organisation=zonnebloem)
    db.session.add(request)
    db.session.commit()
    as_person(client, BSN)
    withdraw = f"{HOME}/koppelverzoeken/{request.id}/intrekken"
    assert client.get(withdraw).status_code == 404
    assert client.post(withdraw).status_code == 404
    assert client.get(f"{HOME}/koppelverzoeken/99999/intrekken").status_code == 404
    assert db.session.get(LinkRequest, request.id).state == "open"
    assert "Kinderopvang De Zonnebloem" not in client.get(HOME).get_data(as_text=True)


def test_a_person_who_has_not_enrolled_is_sent_to_enrol(client, factory):
    zonnebloem, nest, bakery = organisations(factory)
    as_person(client, BSN)
    for path in (FIND, f"{HOME}/koppelverzoek/{zonnebloem.id}", f"{HOME}/uitschrijven", f"{HOME}/e-mailadres"):
        response = client.get(path)
        assert response.status_code == 303 and response.location.endswith(HOME)
    assert client.post(f"{HOME}/koppelverzoek/{zonnebloem.id}").location.endswith(HOME)
    assert open_requests() == 0
    assert "Schrijf u eerst in" in client.get(HOME).get_data(as_text=True)


def test_a_person_has_at_most_ten_open_requests(client, factory):
    person = enrolled_person(BSN)
    asked = [childcare_organisation(factory) for _ in range(11)]
    db.session.add_all(LinkRequest(person=person, organisation=organisation) for organisation in asked[:10])
    db.session.commit()
    as_person(client, BSN)
    response = client.post(f"{HOME}/koppelverzoek/{asked[10].id}")
    assert response.status_code == 409
    assert "U hebt al 10 koppelverzoeken die op een antwoord wachten." in response.get_data(as_text=True)
    assert open_requests() == 10

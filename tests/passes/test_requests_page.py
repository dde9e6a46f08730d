"""Ingestuurde verzoeken: the search box (Zoek, on the kenmerk) and deleting a request before its days are up,
after a confirmation that works without JavaScript."""

import re

from tests.factories import login
from tests.passes.conftest import stored_request
from webapp.core.models import AuditEvent
from webapp.extensions import db
from webapp.passes import archive
from webapp.passes.models import PassRequest


def make_requests(world):
    knightley = world.holder_organisation(world.knightley)
    return [
        stored_request(world.contact, world.roc, [knightley], key=key, reference=reference, status="available")
        for key, reference in (("a", "testgroep"), ("b", "Eerste Hulp & LOTUS"), ("c", ""), ("d", "100% groep"))
    ]


def shown_references(body: str) -> list[str]:
    return re.findall(r'<tr id="request-\d+"[^>]*>\s*<td>([^<]*)</td>', body)


def test_the_requests_page_has_a_search_box_that_works_without_javascript(contact_client, world):
    make_requests(world)
    page = contact_client.get("/pasjes/verzoeken").get_data(as_text=True)
    assert re.search(r'<label for="verzoek-zoek">Zoek</label>', page)
    assert 'data-hx-get="/pasjes/verzoeken"' in page
    assert len(shown_references(page)) == 4

    found = contact_client.get("/pasjes/verzoeken?zoek=lotus").get_data(as_text=True)
    assert shown_references(found) == ["Eerste Hulp &amp; LOTUS"]
    assert "1 verzoek(en) gevonden" in found
    assert shown_references(contact_client.get("/pasjes/verzoeken?zoek=100%25").get_data(as_text=True)) == [
        "100% groep"
    ]
    assert shown_references(contact_client.get("/pasjes/verzoeken?zoek=_").get_data(as_text=True)) == []
    nothing = contact_client.get("/pasjes/verzoeken?zoek=onbekend").get_data(as_text=True)
    assert "Geen verzoeken gevonden met kenmerk" in nothing


def test_htmx_search_answers_with_the_table_alone(contact_client, world):
    make_requests(world)
    response = contact_client.get("/pasjes/verzoeken?zoek=test", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert "<html" not in body and shown_references(body) == ["testgroep"]
    assert response.headers["HX-Push-Url"] == "/pasjes/verzoeken?zoek=test"


def test_deleting_a_request_asks_first_then_removes_it_and_its_file(app, contact_client, world):
    request = make_requests(world)[0]
    request_id = request.id
    archive.ARCHIVES.store(archive.archive_name(request_id), b"PK")
    page = contact_client.get("/pasjes/verzoeken").get_data(as_text=True)
    delete_url = f"/pasjes/verzoeken/{request_id}/verwijderen"
    assert f'href="{delete_url}"' in page

    confirm = contact_client.get(delete_url)
    body = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "Weet u zeker dat u verzoek testgroep wilt verwijderen?" in body
    assert re.search(rf'<form method="post" action="{delete_url}"', body)
    assert 'class="button warning"' in body and 'href="/pasjes/verzoeken">Annuleren</a>' in body
    assert db.session.get(PassRequest, request_id) is not None  # asking changes nothing

    done = contact_client.post(delete_url)
    assert done.status_code == 303 and done.headers["Location"] == "/pasjes/verzoeken"
    assert db.session.get(PassRequest, request_id) is None
    assert not archive.ARCHIVES.exists(archive.archive_name(request_id))
    [event] = db.session.query(AuditEvent).filter_by(action="passes.request_deleted").all()
    assert event.subject == f"request {request_id}" and event.actor_id == world.contact.id
    assert "is verwijderd" in contact_client.get("/pasjes/verzoeken").get_data(as_text=True)


def test_only_the_requester_can_delete_a_request(app, client, world):
    request = make_requests(world)[0]
    archive.ARCHIVES.store(archive.archive_name(request.id), b"PK")
    login(client, world.colleague.email, organisation=world.roc.id)  # a colleague at the same organisation
    assert client.get(f"/pasjes/verzoeken/{request.id}/verwijderen").status_code == 404
    assert client.post(f"/pasjes/verzoeken/{request.id}/verwijderen").status_code == 404
    assert db.session.get(PassRequest, request.id) is not None
    assert archive.ARCHIVES.exists(archive.archive_name(request.id))


def test_a_request_being_built_is_not_deleted_under_its_build(contact_client, world):
    request = stored_request(
        world.contact, world.roc, [world.holder_organisation(world.knightley)], key="x", status="building"
    )
    response = contact_client.post(f"/pasjes/verzoeken/{request.id}/verwijderen")
    assert response.status_code == 303
    assert "wordt nog aangemaakt" in contact_client.get("/pasjes/verzoeken").get_data(as_text=True)
    assert db.session.get(PassRequest, request.id) is not None

"""Smartcards beheren: the organisation's cards in a list (filter by status, search by name or serial, sort by
the columns, pages), the employees whose credential card expires soon, the administrators; who may see it."""

import re
from datetime import timedelta

import pytest

from tests.factories import login
from tests.smartcards.admin_world import days, ids_on, make_world
from webapp.core.timeutil import utcnow
from webapp.extensions import db
from webapp.smartcards.models import CredentialCardSeen


@pytest.fixture
def world(app, factory):
    return make_world(app, factory)


def page_of(client, url="/smartcards/beheer", **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def test_the_list_shows_the_organisations_cards_with_their_columns(world):
    holder = world.holder("Roos", "de Winter")
    card = world.card(
        "active",
        holder,
        card_serial="ZID00ABC123",
        certificate_serial="5f3a9c",
        issued_on=days(-20),
        expires_on=days(1000),
        last_used_at=utcnow() - timedelta(hours=2),
    )
    page = page_of(world.client)
    assert "Smartcards beheren" in page
    row = re.search(rf'<tr>\s*<td><a href="/smartcards/beheer/kaarten/{card.id}">.*?</tr>', page, re.S).group(0)
    for shown in ("Roos de Winter", "ZID00ABC123", "5f3a9c", "Actief", days(-20).strftime("%d-%m-%Y")):
        assert shown in row
    assert days(1000).strftime("%d-%m-%Y") in row
    assert "Bert Beta" not in page  # another organisation's card
    assert "1 smartcard(s) gevonden" in page


def test_the_menu_links_the_list_for_those_with_the_mandate(world):
    assert 'href="/smartcards/beheer">Smartcards</a>' in page_of(world.client, "/")
    contact, _ = world.client_of("contact", services=("passes",))
    assert 'href="/smartcards/beheer"' not in page_of(contact, "/")


def test_status_filter_follows_the_shown_status_expired_from_the_date(world):
    active = world.card("active", name="Actieve Kaart")
    blocked = world.card("blocked", name="Geblokkeerde Kaart")
    revoked = world.card("revoked", name="Ingetrokken Kaart")
    expired = world.card("active", name="Verlopen Kaart", issued_on=days(-1200), expires_on=days(-1))
    blank = world.card("blank", name="Blanco Kaart")
    everyone = [active, blocked, revoked, expired, blank]
    assert set(ids_on(page_of(world.client), everyone)) == {c.id for c in everyone}
    for status, expected in [
        ("active", [active]),
        ("blocked", [blocked]),
        ("revoked", [revoked]),
        ("expired", [expired]),
        ("blank", [blank]),
        ("failed", []),
    ]:
        page = page_of(world.client, f"/smartcards/beheer?status={status}")
        assert ids_on(page, everyone) == [c.id for c in expected], status
    assert "Verlopen" in page_of(world.client, "/smartcards/beheer?status=expired")
    # an unknown status is no filter (left out, not an error)
    assert set(ids_on(page_of(world.client, "/smartcards/beheer?status=kapot"), everyone)) == {c.id for c in everyone}


@pytest.mark.parametrize("common", [False, True], ids=["rare words", "common words"])
def test_search_by_a_word_of_the_name_or_the_start_of_a_serial(world, monkeypatch, common):
    """Each typed word starts a word of the name or a serial; the same answer whether a word is rare (its cards
    gathered from the words' index) or common (checked per card)."""
    if common:
        from webapp.smartcards import cards

        monkeypatch.setattr(cards, "COMMON_WORD", 1)
    roos = world.card(name="Roos de Winter", card_serial="ZIDAAA0001", certificate_serial="abc123")
    piet = world.card(name="Piet Jansen", card_serial="ZIDBBB0002", certificate_serial="def456")
    cards = [roos, piet]
    for term, expected in [
        ("winter", [roos]),
        ("Roos", [roos]),
        ("jans", [piet]),
        ("roos de w", [roos]),
        ("ZIDBBB", [piet]),
        ("zidaaa0001", [roos]),
        ("ABC1", [roos]),
        ("def456", [piet]),
        ("inter", []),  # the start of a word, not any part
        ("%", []),
        ("_", []),
    ]:
        assert ids_on(page_of(world.client, "/smartcards/beheer", query_string={"zoek": term}), cards) == [
            c.id for c in expected
        ], term
    assert "Bert Beta" not in page_of(world.client, "/smartcards/beheer?zoek=beta")


@pytest.mark.parametrize(
    ("word", "attribute"),
    [
        ("houder", "holder_name"),
        ("kaartnummer", "card_serial"),
        ("certificaat", "certificate_serial"),
        ("status", "state"),
        ("uitgegeven", "issued_on"),
        ("verloopt", "expires_on"),
        ("gebruikt", "last_used_at"),
    ],
)
def test_every_column_sorts_both_ways(world, word, attribute):
    cards = [
        world.card(
            state,
            name=name,
            card_serial=f"ZIDS{index}",
            certificate_serial=f"c{index}",
            issued_on=days(-100 + index),
            expires_on=days(900 - index),
            last_used_at=utcnow() - timedelta(days=index),
        )
        for index, (name, state) in enumerate(
            [("Cor Claes", "blocked"), ("Anna Aalders", "revoked"), ("Bob Bos", "active")]
        )
    ]
    expected = [c.id for c in sorted(cards, key=lambda c: (getattr(c, attribute), c.id))]
    ascending = page_of(world.client, f"/smartcards/beheer?sort={word}")
    assert ids_on(ascending, cards) == expected
    descending = page_of(world.client, f"/smartcards/beheer?sort={word}&richting=desc")
    assert ids_on(descending, cards) == expected[::-1]
    assert 'aria-sort="descending"' in descending
    # the header of the current column links the other direction
    assert f'href="/smartcards/beheer?sort={word}&amp;richting=desc"' in ascending or word == "houder"


def test_pages_of_25_with_previous_and_next(world):
    cards = [
        world.card(name=f"Houder {index:02d}", holder=world.holder("Houder", f"{index:02d}")) for index in range(30)
    ]
    first = page_of(world.client)
    assert len(ids_on(first, cards)) == 25 and "Pagina 1 van 2" in first and "30 smartcard(s) gevonden" in first
    assert 'href="/smartcards/beheer?pagina=2" rel="next"' in first
    second = page_of(world.client, "/smartcards/beheer?pagina=2")
    assert ids_on(second, cards) == [c.id for c in cards[25:]]
    assert 'href="/smartcards/beheer" rel="prev"' in second
    # a page past the end shows the last page
    assert ids_on(page_of(world.client, "/smartcards/beheer?pagina=9"), cards) == [c.id for c in cards[25:]]


def test_the_filter_form_works_without_javascript_and_htmx_gets_the_list_alone(world):
    world.card(name="Roos de Winter")
    world.card(name="Piet Jansen")
    response = world.client.get("/smartcards/beheer?status=&zoek=roos")
    assert response.status_code == 302 and response.headers["Location"] == "/smartcards/beheer?zoek=roos"
    fragment = world.client.get("/smartcards/beheer?zoek=roos", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and body.lstrip().startswith('<div id="card-list"')
    assert "Roos de Winter" in body and "Piet Jansen" not in body and "<html" not in body
    assert re.search(r'<p id="card-count"[^>]*data-hx-swap-oob="innerHTML">1 smartcard\(s\) gevonden', body)
    assert fragment.headers["HX-Push-Url"] == "/smartcards/beheer?zoek=roos"
    assert "HX-Request" in fragment.headers["Vary"]


def test_a_cards_page_shows_its_history(world):
    from webapp.smartcards import history

    card = world.card("active", name="Roos de Winter")
    history.move(card, "block", actor_id=world.admin.id, reason="stolen")
    history.move(card, "unblock", actor_id=world.admin.id)
    db.session.commit()
    page = page_of(world.client, f"/smartcards/beheer/kaarten/{card.id}")
    table = page[page.index("Geschiedenis") :]
    assert table.index("Geblokkeerd <span") < table.index("Actief <span")  # the newest first
    assert "Gestolen" in table and "Anna Alfa" in table


def test_expiring_credential_cards_without_a_smartcard_are_listed(world):
    now = utcnow()
    soon = world.holder("Karin", "Vos")
    with_card = world.holder("Lars", "Meijer")
    world.card("active", with_card)
    revoked_only = world.holder("Mila", "Kok")
    world.card("revoked", revoked_only)

    def seen(name, uzi, in_days, user=None, organisation=None):
        db.session.add(
            CredentialCardSeen(
                organisation_id=(organisation or world.alfa).id,
                user_id=user.id if user else None,
                holder_name=name,
                uzi_number=uzi,
                card_type="N",
                expires_at=now + timedelta(days=in_days),
            )
        )

    seen("Karin Vos", "900000001", 30, soon)
    seen("Lars Meijer", "900000002", 10, with_card)  # has an active smartcard
    seen("Mila Kok", "900000003", 50, revoked_only)  # only a revoked one: needs a new card
    seen("Nora Later", "900000004", 90)  # not within 60 days
    seen("Otto Verlopen", "900000005", -1)  # expired already
    seen("Pim Nummer", "900000006", 20)  # no account, but a blocked card made with this UZI number
    world.card("blocked", name="Pim Nummer", credential_number="900000006")
    seen("Beta Medewerker", "900000007", 20, organisation=world.beta)
    db.session.commit()
    page = page_of(world.client)
    section = page[page.index("UZI-passen die binnenkort verlopen") : page.index("<h2>Beheerders")]
    assert "UZI-medewerkerspas op naam bijna verloopt" in section
    assert "Karin Vos" in section and "Mila Kok" in section
    for absent in ("Lars Meijer", "Nora Later", "Otto Verlopen", "Pim Nummer", "Beta Medewerker"):
        assert absent not in section, absent
    assert section.index("Karin Vos") < section.index("Mila Kok")  # the soonest first


def test_the_administrators_are_shown_with_where_to_add_and_remove_them(world, factory):
    second = factory.user("tweede@alfa.example", first_name="Tom", last_name="Tweede")
    factory.member(second, world.alfa, role="admin")
    page = page_of(world.client)
    section = page[page.index("<h2>Beheerders") :]
    assert "Anna Alfa" in section and "Tom Tweede" in section and 'href="/mijn-organisatie"' in section
    assert "Bert Beta" not in section


def test_the_last_administrator_cannot_remove_themselves(world):
    from webapp.accounts.models import Membership

    own = db.session.execute(
        db.select(Membership).where(Membership.user_id == world.admin.id, Membership.organisation_id == world.alfa.id)
    ).scalar_one()
    response = world.client.post(f"/mijn-organisatie/contactpersonen/{own.id}/verwijderen")
    assert response.status_code == 303
    page = world.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Een organisatie heeft altijd minstens één beheerder." in page
    assert db.session.get(Membership, own.id) is not None
    assert world.client.get("/smartcards/beheer").status_code == 200


def test_below_eh2_plus_the_list_asks_to_step_up(app, world):
    client = app.test_client()
    login(client, world.admin.email, organisation=world.alfa.id)
    for url in ("/smartcards/beheer", f"/smartcards/beheer/kaarten/{world.card().id}"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/verificatie?level=EH2%2B")


def test_without_the_mandate_there_is_nothing_to_find(world):
    card = world.card()
    contact, _ = world.client_of("contact", services=("passes",))
    assert contact.get("/smartcards/beheer").status_code == 404
    assert contact.get(f"/smartcards/beheer/kaarten/{card.id}").status_code == 404
    # a contact person with the smartcards mandate manages the cards too
    manager, _ = world.client_of("contact", services=("smartcards",))
    assert "Smartcards beheren" in page_of(manager)


def test_another_organisations_card_is_a_404(world):
    assert world.client.get(f"/smartcards/beheer/kaarten/{world.foreign_card.id}").status_code == 404
    assert world.client.get("/smartcards/beheer/kaarten/999999").status_code == 404


def test_search_finds_what_a_card_gets_later(world):
    """A certificate serial is given once the card is made, and a name may be corrected: the search follows."""
    card = world.card("personalising", name="Roos de Winter", certificate_serial=None)
    assert ids_on(page_of(world.client, "/smartcards/beheer?zoek=beef"), [card]) == []
    card.certificate_serial = "beef42"
    card.holder_name = "Roos van Dam"
    db.session.commit()
    assert ids_on(page_of(world.client, "/smartcards/beheer?zoek=beef"), [card]) == [card.id]
    assert ids_on(page_of(world.client, "/smartcards/beheer?zoek=dam"), [card]) == [card.id]
    assert ids_on(page_of(world.client, "/smartcards/beheer?zoek=winter"), [card]) == []

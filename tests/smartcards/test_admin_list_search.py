"""Smartcards beheren, searching: the count and the pages of a search come from the search words, which carry
the card's state, expiry date and holder name; they must follow every change of the card and agree with the
list without a search, whether a typed word is rare or common."""

import pytest

from tests.smartcards.admin_world import days, ids_on, make_world
from tests.smartcards.test_admin_list import page_of
from webapp.extensions import db
from webapp.smartcards import history


@pytest.fixture
def world(app, factory):
    return make_world(app, factory)


@pytest.fixture(params=["rare words", "word runs", "too many runs", "common words"])
def common(request, monkeypatch):
    """Run a test through each way a search's page is found: every typed word rare (its candidates sorted), the
    holder order through each word's run of the index, too many different words for that, and every typed word
    common (each checked per card while the list's index is read in order)."""
    from webapp.smartcards import cards

    if request.param == "word runs":
        monkeypatch.setattr(cards, "RUNS_FROM", 1)
    elif request.param == "too many runs":
        monkeypatch.setattr(cards, "RUNS_FROM", 1)
        monkeypatch.setattr(cards, "MAX_RUNS", 1)
    elif request.param == "common words":
        monkeypatch.setattr(cards, "COMMON_WORD", 1)
        monkeypatch.setattr(cards, "RUNS_FROM", 10**9)


def search(world, term, **query):
    return page_of(world.client, "/smartcards/beheer", query_string={"zoek": term, **query})


def test_a_search_with_a_status_follows_the_cards_state_and_date(world, common):
    card = world.card("active", name="Piet Jansen", expires_on=days(300))
    other = world.card("active", name="Karin Jansen", expires_on=days(300))
    cards = [card, other]
    assert ids_on(search(world, "jans", status="blocked"), cards) == []
    history.move(card, "block", actor_id=world.admin.id, reason="lost")
    db.session.commit()
    assert ids_on(search(world, "jans", status="blocked"), cards) == [card.id]
    assert ids_on(search(world, "jans", status="active"), cards) == [other.id]
    page = search(world, "piet jans", status="blocked")
    assert ids_on(page, cards) == [card.id] and "1 smartcard(s) gevonden" in page
    history.move(card, "unblock", actor_id=world.admin.id)
    card.expires_on = days(-1)  # past its date: Verlopen, no longer Actief
    db.session.commit()
    assert ids_on(search(world, "jans", status="expired"), cards) == [card.id]
    assert ids_on(search(world, "jans", status="active"), cards) == [other.id]
    assert ids_on(search(world, "jans", status="blocked"), cards) == []


def test_a_card_is_found_once_when_a_typed_word_starts_several_of_its_words(world, common):
    vera = world.card(name="Vera van Vliet", card_serial="ZIDV0001", certificate_serial="ab01")
    tess = world.card(name="Tess Bos", card_serial="ZIDT0002", certificate_serial="ab02")
    for term, expected in [
        ("v", [vera]),
        ("v van", [vera]),
        ("van v", [vera]),
        ("zid", [tess, vera]),
        ("ab0", [tess, vera]),
    ]:
        page = search(world, term)
        assert ids_on(page, [vera, tess]) == [c.id for c in expected], term
        assert page.count(f'/smartcards/beheer/kaarten/{vera.id}"') == 1, term
        assert f"{len(expected)} smartcard(s) gevonden" in page, term


@pytest.mark.parametrize(
    ("word", "attribute"),
    [("houder", "holder_name"), ("status", "state"), ("verloopt", "expires_on"), ("kaartnummer", "card_serial")],
)
def test_a_searchs_pages_sort_as_the_list_does(world, common, word, attribute):
    cards = [
        world.card(state, name=name, card_serial=f"ZIDQ{index}", expires_on=days(900 - index))
        for index, (name, state) in enumerate(
            [
                ("Cor de Klerk", "blocked"),
                ("Anna de Boer", "revoked"),
                ("Bob de Bos", "active"),
                ("Dirk de Bos", "active"),
            ]
        )
    ]
    world.card("active", name="Eva Smit")  # not found by "de"
    if attribute == "state":  # the status sorts by the holder's name within a state
        expected = [c.id for c in sorted(cards, key=lambda c: (c.state, c.holder_name, c.id))]
    else:
        expected = [c.id for c in sorted(cards, key=lambda c: (getattr(c, attribute), c.id))]
    assert ids_on(search(world, "de", sort=word), cards) == expected
    assert ids_on(search(world, "de", sort=word, richting="desc"), cards) == expected[::-1]


def test_a_searchs_pages_of_25(world, common):
    cards = [world.card(name=f"Roos {index:02d}") for index in range(30)]
    world.card(name="Piet Jansen")
    first = search(world, "roos")
    assert len(ids_on(first, cards)) == 25 and "Pagina 1 van 2" in first and "30 smartcard(s) gevonden" in first
    second = search(world, "roos", pagina=2)
    assert ids_on(second, cards) == [c.id for c in cards[25:]]
    assert ids_on(search(world, "roos", pagina=9), cards) == [c.id for c in cards[25:]]  # past the end: the last


def test_a_new_card_is_found_in_its_state_from_the_start(world):
    """A card made blank (the state's default) and personalised later: the search follows each step."""
    from webapp.smartcards.models import Smartcard

    card = Smartcard(organisation_id=world.alfa.id, holder_name="Sem Nieuw", card_serial="ZIDNEW0001")
    db.session.add(card)
    db.session.commit()
    assert ids_on(search(world, "nieuw", status="blank"), [card]) == [card.id]
    history.move(card, "personalise", actor_id=None)
    db.session.commit()
    assert ids_on(search(world, "nieuw", status="blank"), [card]) == []
    assert ids_on(search(world, "nieuw", status="personalising"), [card]) == [card.id]


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_a_searchs_pages_follow_the_holder_order_over_several_of_its_words(world, common, direction):
    """'v' starts several words (Vera, Vos, Visser, van): the pages merge them in the holder order, each card once."""
    names = [f"{first} {last}" for first in ("Vera", "Anna", "Bob") for last in ("Vos", "Visser", "van Dijk", "Bakker")]
    cards = [world.card(name=name) for name in names * 3]  # 36 cards, 30 of them with a word starting with v
    found = sorted(
        (c for c in cards if c.holder_name != "Anna Bakker" and c.holder_name != "Bob Bakker"),
        key=lambda c: (c.holder_name, c.id),
        reverse=direction == "desc",
    )
    query = {"richting": direction} if direction == "desc" else {}
    first, second = search(world, "v", **query), search(world, "v", pagina=2, **query)
    assert "30 smartcard(s) gevonden" in first
    assert ids_on(first, cards) == [c.id for c in found[:25]]
    assert ids_on(second, cards) == [c.id for c in found[25:]]

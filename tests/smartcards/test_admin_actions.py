"""Blokkeren, deblokkeren, intrekken on a card's page: every state and administrator action from the state
table itself, through the page's own POST (allowed: moved, a history row, the holder mailed; refused: the
table's message, nothing changed); reasons and notes; the question before revoking; another organisation's
card; below EH2+."""

import re

import pytest
from sqlalchemy import func, select

from tests.factories import login
from tests.smartcards.admin_world import make_world
from webapp.core.jobs import wait_for_in_process_jobs
from webapp.core.models import AuditEvent
from webapp.extensions import db
from webapp.smartcards import cards, states
from webapp.smartcards.models import Smartcard, SmartcardEvent

ADMIN_ACTIONS = {key: action for key, action in states.ACTIONS.items() if action.by == "administrator"}
PAIRS = [(state, action) for state in states.STATES for action in ADMIN_ACTIONS]


@pytest.fixture
def world(app, factory):
    return make_world(app, factory)


@pytest.fixture(autouse=True)
def no_crl_publication(monkeypatch):
    """Revoking publishes the CRL after the commit (tested in test_crl.py); here only that it is asked for."""
    published = []
    from webapp.smartcards import crl

    monkeypatch.setattr(crl, "publish", lambda: published.append(1))
    return published


def url(card, action):
    return f"/smartcards/beheer/kaarten/{card.id}/{ADMIN_ACTIONS[action].label.lower()}"


def reason_for(action):
    return {"reason": "lost"} if ADMIN_ACTIONS[action].needs_reason else {}


def events_of(card):
    return (
        db.session.execute(
            select(SmartcardEvent).where(SmartcardEvent.smartcard_id == card.id).order_by(SmartcardEvent.id)
        )
        .scalars()
        .all()
    )


@pytest.mark.parametrize(("state", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
def test_every_state_and_action_through_the_page(world, outbox, state, action):
    holder = world.holder("Roos", "de Winter", email=f"roos.{state}.{action}@alfa.example")
    card = world.card(state, holder)
    rule = ADMIN_ACTIONS[action]
    response = world.client.post(url(card, action), data=reason_for(action))
    db.session.expire_all()
    card = db.session.get(Smartcard, card.id)
    if states.allowed(state, action):
        assert response.status_code == 303 and response.headers["Location"] == f"/smartcards/beheer/kaarten/{card.id}"
        assert card.state == rule.target
        [event] = events_of(card)
        assert (event.action, event.from_state, event.to_state, event.actor_id) == (
            action,
            state,
            rule.target,
            world.admin.id,
        )
        assert event.reason == ("lost" if rule.needs_reason else "")
        [mail] = outbox.to(holder.email)
        assert card.card_serial in mail.get_body().get_content()
        assert states.STATES[rule.target].label in mail.get_body().get_content()
        page = world.client.get(response.headers["Location"]).get_data(as_text=True)
        assert f"De smartcard van Roos de Winter is {cards.past_tense(rule)}." in page
    else:
        body = response.get_data(as_text=True)
        assert response.status_code == 409
        assert f"kunt u niet {rule.label.lower()}" in body and states.STATES[state].label.lower() in body
        assert card.state == state and events_of(card) == [] and outbox.to(holder.email) == []


@pytest.mark.parametrize("state", list(states.STATES))
def test_the_cards_page_offers_only_what_the_table_allows(world, state):
    card = world.card(state)
    page = world.client.get(f"/smartcards/beheer/kaarten/{card.id}").get_data(as_text=True)
    for action, rule in ADMIN_ACTIONS.items():
        offered = url(card, action) in page
        assert offered == states.allowed(state, action), (state, action)
        if offered and not (rule.needs_reason or rule.asks_first):
            assert f'<form method="post" action="{url(card, action)}">' in page  # a button that posts
        elif offered:
            assert f'href="{url(card, action)}"' in page  # a link to the page that asks


def test_blocking_asks_for_a_reason_and_other_needs_a_note(world, outbox):
    card = world.card("active")
    form = world.client.get(url(card, "block")).get_data(as_text=True)
    for key, label in states.REASONS.items():
        assert f'value="{key}"' in form and label in form
    for data, message in [
        ({}, "Kies een reden."),
        ({"reason": "kwijt"}, "Kies een reden."),
        ({"reason": "other"}, "Vul een toelichting in bij de reden Anders."),
        ({"reason": "other", "note": "   "}, "Vul een toelichting in bij de reden Anders."),
        ({"reason": "lost", "note": "x" * 501}, "te lang"),
    ]:
        response = world.client.post(url(card, "block"), data=data)
        assert response.status_code == 400 and message in response.get_data(as_text=True), data
    db.session.expire_all()
    assert db.session.get(Smartcard, card.id).state == "active" and events_of(card) == []
    response = world.client.post(url(card, "block"), data={"reason": "other", "note": "In de trein laten liggen"})
    assert response.status_code == 303
    [event] = events_of(card)
    assert (event.reason, event.note) == ("other", "In de trein laten liggen")
    page = world.client.get(f"/smartcards/beheer/kaarten/{card.id}").get_data(as_text=True)
    assert "Anders: In de trein laten liggen" in page


def test_revoking_asks_first_then_is_final(world, outbox, no_crl_publication):
    card = world.card("blocked")
    page = world.client.get(f"/smartcards/beheer/kaarten/{card.id}").get_data(as_text=True)
    assert (
        f'href="{url(card, "revoke")}"' in page and f'<form method="post" action="{url(card, "revoke")}">' not in page
    )
    question = world.client.get(url(card, "revoke")).get_data(as_text=True)
    assert "Weet u zeker dat u de smartcard van" in question and "wilt intrekken?" in question
    assert "Ja, intrekken" in question and f'href="/smartcards/beheer/kaarten/{card.id}">Annuleren' in question
    assert 'name="reason"' in question
    db.session.expire_all()
    assert db.session.get(Smartcard, card.id).state == "blocked" and no_crl_publication == []  # asking changed nothing

    response = world.client.post(url(card, "revoke"), data={"reason": "stolen"})
    assert response.status_code == 303
    db.session.expire_all()
    card = db.session.get(Smartcard, card.id)
    assert card.state == "revoked" and card.revocation_reason == "stolen" and card.revoked_at is not None
    wait_for_in_process_jobs()
    assert no_crl_publication == [1]  # a new CRL, after the commit
    audit = db.session.execute(select(AuditEvent).where(AuditEvent.action == "smartcard.revoke")).scalar_one()
    assert (audit.old_state, audit.new_state, audit.organisation_id) == ("blocked", "revoked", world.alfa.id)
    page = world.client.get(f"/smartcards/beheer/kaarten/{card.id}").get_data(as_text=True)
    assert "Ingetrokken" in page and "Gestolen" in page and "definitief" in page
    for action in ADMIN_ACTIONS:
        assert world.client.post(url(card, action), data=reason_for(action)).status_code == 409
    db.session.expire_all()
    assert db.session.get(Smartcard, card.id).state == "revoked" and len(events_of(card)) == 1


def test_unblock_from_the_page_without_a_question(world):
    card = world.card("blocked")
    assert world.client.get(url(card, "unblock")).status_code == 302  # the card's page has the button
    assert world.client.post(url(card, "unblock")).status_code == 303
    db.session.expire_all()
    assert db.session.get(Smartcard, card.id).state == "active"


def test_an_unknown_action_word_is_a_404(world):
    card = world.card("active")
    for word in ("verwijderen", "block", "personalise", "aanmaken", "gelukt"):
        assert world.client.post(f"/smartcards/beheer/kaarten/{card.id}/{word}").status_code == 404
    db.session.expire_all()
    assert db.session.get(Smartcard, card.id).state == "active"


def test_another_organisations_card_is_a_404_for_every_get_and_post(world, outbox):
    card = world.foreign_card
    assert world.client.get(f"/smartcards/beheer/kaarten/{card.id}").status_code == 404
    for action in ADMIN_ACTIONS:
        assert world.client.get(url(card, action)).status_code == 404
        assert world.client.post(url(card, action), data={"reason": "other", "note": "x"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Smartcard, card.id).state == "active" and events_of(card) == []
    assert outbox.messages == []


def test_below_eh2_plus_every_action_goes_to_the_step_up_and_changes_nothing(app, world, outbox):
    card = world.card("active")
    blocked = world.card("blocked")
    client = app.test_client()
    login(client, world.admin.email, organisation=world.alfa.id)
    for target, action in [(card, "block"), (card, "revoke"), (blocked, "unblock")]:
        for method in ("GET", "POST"):
            response = client.open(url(target, action), method=method, data=reason_for(action))
            assert response.status_code == 302, (action, method)
            assert response.headers["Location"].startswith("/verificatie?level=EH2%2B")
    db.session.expire_all()
    assert db.session.get(Smartcard, card.id).state == "active"
    assert db.session.get(Smartcard, blocked.id).state == "blocked"
    assert db.session.execute(select(func.count()).select_from(SmartcardEvent)).scalar_one() == 0
    assert outbox.messages == []


def test_without_the_mandate_every_action_is_a_404(world):
    card = world.card("active")
    contact, _ = world.client_of("contact", services=("passes",))
    for action in ADMIN_ACTIONS:
        assert contact.post(url(card, action), data={"reason": "lost"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Smartcard, card.id).state == "active"


def test_a_card_without_an_account_changes_without_a_mail(world, outbox):
    card = world.card("active", holder=None)
    card.holder_id = None
    db.session.commit()
    assert world.client.post(url(card, "block"), data={"reason": "damaged"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Smartcard, card.id).state == "blocked" and outbox.messages == []


def test_the_mail_says_what_happened_and_why(world, outbox):
    holder = world.holder("Roos", "de Winter", email="roos@alfa.example")
    card = world.card("active", holder)
    world.client.post(url(card, "block"), data={"reason": "other", "note": "Pas gevonden bij de receptie"})
    [mail] = outbox.to("roos@alfa.example")
    text = mail.get_body().get_content()
    assert mail["Subject"] == "Uw smartcard is geblokkeerd"
    assert "Zorggroep Alfa" in text and "Reden: Anders (Pas gevonden bij de receptie)" in text
    assert re.search(r"niet mee inloggen", text)

"""Validating an organisation with a credential card, registering its administrator and coupling their
authenticator, at the level of the services: the agent's answers are made with keys the test holds, the
certificates by a test CA on the UZI profile. Every refused card changes nothing and keeps nothing."""

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from cardagent.testca import create_test_ca
from tests.security.fuzzing import row_counts
from tests.smartcards.onboarding_support import (
    OTHER_SUBSCRIBER,
    SUBSCRIBER,
    expired_card,
    make_card,
    registration_request,
)
from webapp.accounts.models import Membership, Organisation, User
from webapp.core.errors import DomainError
from webapp.core.models import AuditEvent
from webapp.core.timeutil import utcnow
from webapp.extensions import db
from webapp.smartcards import onboarding
from webapp.smartcards.models import RegistrationRequest

ORIGIN = "http://localhost"
BIRTH_DATE = utcnow().date().replace(year=1980)


@pytest.fixture(scope="module")
def authority():
    return create_test_ca("UZI-register Test CA")


def check(store, card, *, authority, origin=ORIGIN, nonce=None, now=None):
    nonce = nonce or onboarding.challenge(store)
    return onboarding.check_card(
        store, card.answer(nonce, origin), public_url=ORIGIN, trusted=(authority.certificate,), now=now or utcnow()
    )


def refused(store, card, authority, message, **options):
    before = row_counts()
    with pytest.raises(DomainError, match=message):
        check(store, card, authority=authority, **options)
    assert onboarding.validation_card(store, utcnow()) is None
    assert row_counts() == before


def test_a_care_providers_card_with_an_accepted_request_is_kept_for_the_next_step(app, authority):
    request = registration_request()
    store = {}
    before = row_counts()
    card = check(store, make_card(authority), authority=authority)
    assert (card.request_id, card.holder_name, card.uzi_number, card.subscriber_number, card.card_type_label) == (
        request.id,
        "Anne de Vries",
        "123456782",
        SUBSCRIBER,
        "zorgverlenerspas",
    )
    assert onboarding.validation_card(store, utcnow()) == card
    assert "Anne" not in str(store)  # sealed
    assert row_counts() == before  # checking a card changes nothing


def test_a_card_of_an_untrusted_authority_is_refused(app, authority):
    registration_request()
    stranger = create_test_ca("UZI-register Test CA")
    refused({}, make_card(stranger), authority, "niet uitgegeven door een instantie die Loket vertrouwt")


def test_an_expired_card_is_refused(app, authority):
    registration_request()
    refused({}, expired_card(authority), authority, "verlopen")


def test_an_employee_card_may_not_validate(app, authority):
    registration_request()
    refused({}, make_card(authority, card_type="N"), authority, "medewerkerspas op naam kunt u geen organisatie")


def test_a_card_of_another_organisation_finds_no_request(app, authority):
    registration_request(subscriber=SUBSCRIBER)  # organisation B asked; the card is organisation A's
    refused(
        {},
        make_card(authority, subscriber=OTHER_SUBSCRIBER),
        authority,
        "geen verwerkte aanvraag voor abonneenummer 90000999",
    )


@pytest.mark.parametrize("state", ["submitted", "rejected", "validated"])
def test_a_request_that_is_not_accepted_cannot_be_validated(app, authority, state):
    registration_request(state=state)
    refused({}, make_card(authority), authority, "geen verwerkte aanvraag")


def test_a_replayed_challenge_is_refused(app, authority):
    registration_request()
    store, card = {}, make_card(authority)
    nonce = onboarding.challenge(store)
    check(store, card, authority=authority, nonce=nonce)
    store.clear()  # even in a fresh session, the answer cannot be used again
    onboarding.challenge(store)
    refused(
        store, card, authority, "De kaart kon niet worden gecontroleerd: deze aanmelding is al gebruikt", nonce=nonce
    )


def test_a_challenge_relayed_from_another_origin_is_refused(app, authority):
    registration_request()
    refused(
        {},
        make_card(authority),
        authority,
        "De kaart kon niet worden gecontroleerd: de handtekening van de kaart hoort niet bij deze aanmelding",
        origin="https://kwaad.example",
    )


def test_the_kept_card_lasts_15_minutes(app, authority):
    registration_request()
    store = {}
    check(store, make_card(authority), authority=authority)
    assert onboarding.validation_card(store, utcnow() + timedelta(minutes=14)) is not None
    assert onboarding.validation_card(store, utcnow() + timedelta(minutes=16)) is None
    with pytest.raises(onboarding.StepExpired):
        onboarding.validate_organisation(store, utcnow())


def validated(authority, **request):
    registration_request(**request)
    store = {}
    check(store, make_card(authority), authority=authority)
    organisation = onboarding.validate_organisation(store, utcnow())
    db.session.commit()
    return store, organisation


def test_volgende_validates_the_request_with_a_new_care_organisation(app, authority):
    store, organisation = validated(authority)
    request = db.session.execute(select(RegistrationRequest)).scalar_one()
    assert request.state == "validated" and request.validated_at is not None
    assert request.organisation_id == organisation.id
    assert (organisation.name, organisation.kind, organisation.kvk_number, organisation.city) == (
        "Zorggroep Duinzicht",
        "care",
        "12345678",
        "Den Helder",
    )
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "smartcards.organisation_validated")
    ).scalar_one()
    assert (event.old_state, event.new_state, event.organisation_id) == ("accepted", "validated", organisation.id)
    assert "Anne de Vries" in event.detail and SUBSCRIBER in event.detail  # whose card validated it


def test_an_organisation_with_the_same_kvk_number_is_used_not_duplicated(app, authority, factory):
    known = factory.organisation("Duinzicht", kvk_number="12345678", kind="care")
    _store, organisation = validated(authority)
    assert organisation.id == known.id
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 1


def test_a_request_is_validated_once(app, authority):
    store, _organisation = validated(authority)
    before = row_counts()
    with pytest.raises(DomainError, match="status gevalideerd kunt u niet valideren"):
        onboarding.validate_organisation(store, utcnow())
    assert row_counts() == before


def test_the_administrator_gets_a_new_account_and_the_activation_mail(app, authority, outbox):
    store, organisation = validated(authority)
    result = onboarding.register_administrator(store, utcnow(), birth_date=BIRTH_DATE, email="Anne@Duinzicht.example")
    db.session.commit()
    user = db.session.execute(select(User).where(User.email == "anne@duinzicht.example")).scalar_one()
    assert result.user.id == user.id and not result.existing_account
    assert (user.first_name, user.last_name, user.birth_date, user.is_activated) == (
        "Anne",
        "de Vries",
        BIRTH_DATE,
        False,
    )
    [membership] = user.memberships
    assert (membership.organisation_id, membership.role) == (organisation.id, "admin")
    [mail] = outbox.to("anne@duinzicht.example")
    assert mail["Subject"] == "Activeer uw toegang tot Loket" and "Zorggroep Duinzicht" in mail.get_content()
    assert onboarding.pending_coupling(store, utcnow()) is not None


def test_an_administrator_is_registered_once(app, authority):
    store, _organisation = validated(authority)
    onboarding.register_administrator(store, utcnow(), birth_date=BIRTH_DATE, email="anne@duinzicht.example")
    with pytest.raises(DomainError, match="al geregistreerd"):
        onboarding.register_administrator(store, utcnow(), birth_date=BIRTH_DATE, email="ander@duinzicht.example")


@pytest.mark.parametrize("birth_date", [None, "future", "child"])
def test_a_birth_date_must_be_possible(app, authority, birth_date):
    store, _organisation = validated(authority)
    today = utcnow().date()
    day = {"future": today + timedelta(days=1), "child": today - timedelta(days=365 * 5)}.get(birth_date)
    before = row_counts()
    with pytest.raises(DomainError, match="geboortedatum") as refusal:
        onboarding.register_administrator(store, utcnow(), birth_date=day, email="anne@duinzicht.example")
    assert refusal.value.field == "birth_date"
    assert row_counts() == before


def test_an_existing_account_becomes_admin_and_gets_nothing_coupled(app, authority, factory, outbox):
    existing = factory.user("anne@duinzicht.example", first_name="Anne", last_name="Bestaand")
    store, organisation = validated(authority)
    result = onboarding.register_administrator(store, utcnow(), birth_date=BIRTH_DATE, email="anne@duinzicht.example")
    db.session.commit()
    assert result.existing_account and result.user.id == existing.id
    membership = db.session.execute(select(Membership).where(Membership.user_id == existing.id)).scalar_one()
    assert (membership.organisation_id, membership.role) == (organisation.id, "admin")
    assert existing.last_name == "Bestaand" and existing.birth_date is None  # their account is theirs
    [mail] = outbox.to("anne@duinzicht.example")
    assert "administrator" in mail.get_content() and "Mijn gegevens" in mail.get_content()
    assert onboarding.pending_coupling(store, utcnow()) is None
    with pytest.raises(DomainError, match="koppelt u hier geen smartphone"):
        onboarding.start_coupling(store, utcnow())
    with pytest.raises(DomainError, match="koppelt u hier geen smartphone"):
        onboarding.finish_coupling(store, utcnow(), "123456")
    db.session.refresh(existing)
    assert existing.totp_secret is None


def registered(authority):
    store, _organisation = validated(authority)
    onboarding.register_administrator(store, utcnow(), birth_date=BIRTH_DATE, email="anne@duinzicht.example")
    db.session.commit()
    return store


def test_the_qr_code_is_shown_once(app, authority):
    store = registered(authority)
    _user, qr, coupling = onboarding.show_coupling(store, utcnow())
    assert qr.startswith("data:image/svg+xml")
    _user, again, same = onboarding.show_coupling(store, utcnow())
    assert again is None and same.secret == coupling.secret  # a reload shows no QR code


def test_the_right_code_couples_the_authenticator(app, authority):
    store = registered(authority)
    _user, _qr, coupling = onboarding.show_coupling(store, utcnow())
    user = onboarding.finish_coupling(store, utcnow(), pyotp.TOTP(coupling.secret).now())
    db.session.commit()
    assert user.has_authenticator
    assert onboarding.finished(store, utcnow()) is not None
    assert onboarding.pending_coupling(store, utcnow()) is None


def test_a_wrong_code_couples_nothing(app, authority):
    store = registered(authority)
    _user, _qr, coupling = onboarding.show_coupling(store, utcnow())
    wrong = str((int(pyotp.TOTP(coupling.secret).now()) + 1) % 1_000_000).zfill(6)
    before = row_counts()
    with pytest.raises(DomainError, match="De code klopt niet"):
        onboarding.finish_coupling(store, utcnow(), wrong)
    assert row_counts() == before
    assert db.session.execute(select(User.totp_secret)).scalar_one() is None


def test_the_coupling_expires_after_10_minutes(app, authority):
    store = registered(authority)
    _user, _qr, coupling = onboarding.show_coupling(store, utcnow())
    later = utcnow() + timedelta(minutes=11)
    with pytest.raises(DomainError, match="verlopen"):
        onboarding.finish_coupling(store, later, pyotp.TOTP(coupling.secret).at(later))
    assert db.session.execute(select(User.totp_secret)).scalar_one() is None


def test_a_new_coupling_kills_the_old_secret(app, authority):
    store = registered(authority)
    _user, _qr, old = onboarding.show_coupling(store, utcnow())
    new = onboarding.start_coupling(store, utcnow())
    assert new.secret != old.secret
    _user, qr, _coupling = onboarding.show_coupling(store, utcnow())
    assert qr is not None  # the new coupling's QR code, once
    with pytest.raises(DomainError, match="De code klopt niet"):
        onboarding.finish_coupling(store, utcnow(), pyotp.TOTP(old.secret).now())
    onboarding.finish_coupling(store, utcnow(), pyotp.TOTP(new.secret).now())


def test_each_step_done_gives_the_next_15_minutes(app, authority):
    registration_request()
    store = {}
    check(store, make_card(authority), authority=authority)
    later = utcnow() + timedelta(minutes=10)
    onboarding.validate_organisation(store, later)
    assert onboarding.validation_card(store, later + timedelta(minutes=14)) is not None
    assert onboarding.validation_card(store, later + timedelta(minutes=16)) is None

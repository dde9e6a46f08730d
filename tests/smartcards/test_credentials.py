"""Credential cards read from certificates on the UZI profile, made by the virtual card's test CA: a
care-provider card passes; an employee card, an expired card, a card of another CA or another
organisation, and a certificate without the UZI identity are each refused with their own Dutch message."""

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from cardagent.testca import UZI_OTHER_NAME, create_test_ca
from webapp.smartcards import credentials


def now():
    """The time of the check itself: the certificates are made a moment before (not at import, which in a long
    run is minutes before they are issued)."""
    return datetime.now(UTC)


@pytest.fixture(scope="module")
def authority():
    return create_test_ca("UZI-register Test CA")


def card(authority, card_type="Z", subscriber="90000123", **extra):
    return authority.issue_credential(
        ec.generate_private_key(ec.SECP256R1()).public_key(),
        given_name="Anne",
        surname="de Vries",
        uzi_number="123456782",
        card_type=card_type,
        subscriber_number=subscriber,
        **extra,
    )


def test_a_care_providers_card_is_read_and_may_validate_its_organisation(authority):
    read = credentials.read(card(authority), [authority.certificate], now())
    assert (read.holder_name, read.uzi_number, read.card_type, read.subscriber_number) == (
        "Anne de Vries",
        "123456782",
        "Z",
        "90000123",
    )
    assert read.card_type_label == "zorgverlenerspas"
    credentials.require_care_provider(read)
    credentials.require_subscriber(read, "90000123")


def test_an_employee_card_may_not_validate(authority):
    read = credentials.read(card(authority, card_type="N"), [authority.certificate], now())
    with pytest.raises(credentials.WrongCardType, match="medewerkerspas op naam kunt u geen organisatie valideren"):
        credentials.require_care_provider(read)


def test_a_card_of_another_organisation_is_refused(authority):
    read = credentials.read(card(authority, subscriber="90000999"), [authority.certificate], now())
    with pytest.raises(credentials.WrongOrganisation, match="andere organisatie"):
        credentials.require_subscriber(read, "90000123")


def test_an_expired_card_is_refused(authority):
    expired = card(authority, days=30, not_before=now() - timedelta(days=60))
    with pytest.raises(credentials.Expired, match="verlopen"):
        credentials.read(expired, [authority.certificate], now())


def test_a_card_of_an_untrusted_authority_is_refused(authority):
    stranger = create_test_ca("UZI-register Test CA")  # the same name, another key
    with pytest.raises(credentials.Untrusted, match="niet uitgegeven door een instantie die Loket vertrouwt"):
        credentials.read(card(stranger), [authority.certificate], now())


def test_a_certificate_without_the_uzi_identity_is_no_credential_card(authority):
    plain = authority.issue(ec.generate_private_key(ec.SECP256R1()).public_key(), "Anne de Vries")
    with pytest.raises(credentials.NotACredentialCard, match="geen UZI-pas"):
        credentials.read(plain, [authority.certificate], now())


@pytest.mark.parametrize("value", [b"\x16\x03abc", b"\x0c\x03abc", b"\x02\x01\x05", b"\x16\x0da-b-c-Z-e-f-g"])
def test_a_garbled_uzi_identity_is_no_credential_card(authority, value):
    from cryptography.hazmat.primitives import hashes

    base = card(authority)
    garbled = (
        x509.CertificateBuilder()
        .subject_name(base.subject)
        .issuer_name(base.issuer)
        .public_key(base.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(base.not_valid_before_utc)
        .not_valid_after(base.not_valid_after_utc)
        .add_extension(x509.SubjectAlternativeName([x509.OtherName(UZI_OTHER_NAME, value)]), critical=False)
        .sign(authority.key, hashes.SHA256())
    )
    with pytest.raises(credentials.NotACredentialCard):
        credentials.read(garbled, [authority.certificate], now())

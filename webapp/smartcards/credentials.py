"""Credential cards (the manual's UZI-pas): professional cards from an outside authority the portal trusts.

What a card says about its holder is read from its certificate on the UZI register's profile: the names in
the subject, and in the subjectAltName an otherName (type 2.5.5.5) whose IA5String value reads
"<OID CA>-<versie>-<UZI-nummer>-<pastype>-<abonneenummer>-<rol>-<AGB-code>". Every check is the server's;
each refusal has a Dutch message of its own.
"""

from dataclasses import dataclass
from datetime import datetime

from asn1crypto import core
from cryptography import x509
from cryptography.x509.oid import NameOID

from cardagent.verify import SignInInvalid, check_certificate
from webapp.core.errors import DomainError

UZI_OTHER_NAME = x509.ObjectIdentifier("2.5.5.5")
CARD_TYPES = {"Z": "zorgverlenerspas", "N": "medewerkerspas op naam", "M": "medewerkerspas niet op naam"}
CARE_PROVIDER_CARD = "Z"  # the only card type that may validate an organisation


class CredentialRefused(DomainError):
    def __init__(self, message: str):
        super().__init__(message)


class Expired(CredentialRefused):
    def __init__(self):
        super().__init__("Deze pas is verlopen of nog niet geldig. Gebruik een geldige pas.")


class Untrusted(CredentialRefused):
    def __init__(self):
        super().__init__("Deze pas is niet uitgegeven door een instantie die Loket vertrouwt.")


class NotACredentialCard(CredentialRefused):
    def __init__(self):
        super().__init__("Dit is geen UZI-pas: de pas vermeldt geen UZI-nummer en abonneenummer.")


class WrongCardType(CredentialRefused):
    def __init__(self, card_type: str):
        super().__init__(
            f"Met een {CARD_TYPES[card_type]} kunt u geen organisatie valideren. Gebruik uw zorgverlenerspas."
        )


class WrongOrganisation(CredentialRefused):
    def __init__(self):
        super().__init__("Deze pas hoort bij een andere organisatie dan die u wilt valideren.")


@dataclass(frozen=True)
class CredentialCard:
    given_name: str
    surname: str
    uzi_number: str
    card_type: str
    subscriber_number: str
    role: str
    expires_at: datetime

    @property
    def holder_name(self) -> str:
        return f"{self.given_name} {self.surname}".strip()

    @property
    def card_type_label(self) -> str:
        return CARD_TYPES[self.card_type]


def read(certificate: x509.Certificate, trusted_cas, now: datetime) -> CredentialCard:
    """The card behind a certificate that is valid now and issued by a trusted CA; a Dutch refusal otherwise."""
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise Expired()
    try:
        check_certificate(certificate, trusted_cas, now)
    except SignInInvalid:
        raise Untrusted() from None
    parts = _uzi_identity(certificate).split("-")
    if len(parts) != 7:
        raise NotACredentialCard()
    _ca, _version, uzi_number, card_type, subscriber_number, role, _agb = parts
    if not (uzi_number.isascii() and uzi_number.isdigit()) or card_type not in CARD_TYPES:
        raise NotACredentialCard()
    if not (subscriber_number.isascii() and subscriber_number.isdigit()):
        raise NotACredentialCard()
    return CredentialCard(
        given_name=_name(certificate, NameOID.GIVEN_NAME),
        surname=_name(certificate, NameOID.SURNAME),
        uzi_number=uzi_number,
        card_type=card_type,
        subscriber_number=subscriber_number,
        role=role,
        expires_at=certificate.not_valid_after_utc,
    )


def require_care_provider(card: CredentialCard) -> None:
    if card.card_type != CARE_PROVIDER_CARD:
        raise WrongCardType(card.card_type)


def require_subscriber(card: CredentialCard, subscriber_number: str) -> None:
    if card.subscriber_number != subscriber_number:
        raise WrongOrganisation()


def _uzi_identity(certificate: x509.Certificate) -> str:
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        raise NotACredentialCard() from None
    for name in names.get_values_for_type(x509.OtherName):
        if name.type_id == UZI_OTHER_NAME:
            try:
                return core.IA5String.load(name.value).native
            except ValueError:
                raise NotACredentialCard() from None
    raise NotACredentialCard()


def _name(certificate: x509.Certificate, oid) -> str:
    attributes = certificate.subject.get_attributes_for_oid(oid)
    return str(attributes[0].value) if attributes else ""

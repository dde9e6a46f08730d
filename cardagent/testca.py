"""A test CA and credentials it issues, for the virtual card and for tests.

The portal's smartcard pages can trust `ca.pem` from `ensure_test_ca(directory)` to accept
the virtual credential card (the role of the manual's UZI pass). Never use this outside tests
and demos: the CA key lies unprotected next to its certificate.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import core
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_NAME = "Loket Test CA"
# The UZI register's certificate profile puts the card's identity in the subjectAltName: an otherName of
# this type whose value is an IA5String "<OID CA>-<versie>-<UZI-nummer>-<pastype>-<abonneenummer>-<rol>-<AGB>".
UZI_OTHER_NAME = x509.ObjectIdentifier("2.5.5.5")
TEST_CA_OID = "2.16.528.1.1003.1.3.5.5.2"  # the UZI-register CA's OID in its profile; here only a label


@dataclass
class TestCA:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    def issue(
        self, public_key, common_name: str, serial_number: str = "", organisation: str = "Loket Test", days: int = 825
    ) -> x509.Certificate:
        """Issue a client-authentication certificate for a key that lives on a card."""
        attributes = [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
        if serial_number:
            attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial_number))
        return self._leaf(
            x509.Name(attributes),
            public_key,
            _now(),
            days,
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
        )

    def issue_credential(
        self,
        public_key,
        *,
        given_name: str,
        surname: str,
        uzi_number: str,
        card_type: str,
        subscriber_number: str,
        role: str = "01.015",
        days: int = 825,
        not_before=None,
    ) -> x509.Certificate:
        """A credential card's certificate on the UZI profile: the holder's names in the subject, and the
        UZI number, card type (Z zorgverlenerspas, N medewerkerspas op naam, M niet op naam) and the
        organisation's subscriber number in the subjectAltName."""
        identity = "-".join([TEST_CA_OID, "1", uzi_number, card_type, subscriber_number, role, "00000000"])
        now = not_before or _now()
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, f"{given_name} {surname}"),
                x509.NameAttribute(NameOID.GIVEN_NAME, given_name),
                x509.NameAttribute(NameOID.SURNAME, surname),
                x509.NameAttribute(NameOID.SERIAL_NUMBER, uzi_number),
            ]
        )
        names = x509.SubjectAlternativeName([x509.OtherName(UZI_OTHER_NAME, core.IA5String(identity).dump())])
        return self._leaf(subject, public_key, now, days, names)

    def _leaf(self, subject: x509.Name, public_key, now, days: int, extension) -> x509.Certificate:
        """A certificate for a key on a card, with the extension that says what the card is for."""
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
            .add_extension(extension, critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )


def _now():
    return datetime.datetime.now(datetime.UTC)


def create_test_ca(common_name: str = CA_NAME) -> TestCA:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Loket Test"),
        ]
    )
    now = _now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return TestCA(key, certificate)


def ensure_test_ca(directory: Path) -> TestCA:
    """Load the test CA from directory (ca.pem, ca-key.pem), creating it on first use."""
    directory = Path(directory)
    cert_path, key_path = directory / "ca.pem", directory / "ca-key.pem"
    if cert_path.exists() and key_path.exists():
        return TestCA(
            serialization.load_pem_private_key(key_path.read_bytes(), None),
            x509.load_pem_x509_certificate(cert_path.read_bytes()),
        )
    directory.mkdir(parents=True, exist_ok=True)
    ca = create_test_ca()
    key_path.write_bytes(
        ca.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(ca.certificate.public_bytes(serialization.Encoding.PEM))
    return ca


def generate_key(algorithm: str):
    if algorithm == "EC-P256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "RSA-2048":
        return rsa.generate_private_key(65537, 2048)
    raise ValueError(f"unsupported key algorithm {algorithm}")

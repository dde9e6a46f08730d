"""The portal's own issuing CA: it certifies the key a smartcard makes for itself, and lists the
certificates of revoked cards in a certificate revocation list (CRL) that anyone may fetch.

Everything goes through `cryptography`'s builders; nothing here signs or encodes by hand.
"""

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_VALIDITY = timedelta(days=20 * 365)  # outlives every card it certifies


@dataclass(frozen=True)
class IssuingCA:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate


@dataclass(frozen=True)
class Revoked:
    """A revoked card's certificate, as the CRL lists it."""

    serial_number: int
    revoked_at: datetime
    reason: x509.ReasonFlags = x509.ReasonFlags.unspecified


def load_or_create(key_file: Path, certificate_file: Path, name: str, now: datetime) -> IssuingCA:
    """The CA from its two PEM files; on first use it is made and written (the key readable by its owner only)."""
    if key_file.exists() and certificate_file.exists():
        return IssuingCA(
            serialization.load_pem_private_key(key_file.read_bytes(), None),
            x509.load_pem_x509_certificate(certificate_file.read_bytes()),
        )
    key = ec.generate_private_key(ec.SECP384R1())
    subject = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, name), x509.NameAttribute(NameOID.ORGANIZATION_NAME, name)]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # certificates and CRLs
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA384())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write(key_file, key_pem, mode=0o600)
    _write(certificate_file, certificate.public_bytes(serialization.Encoding.PEM), mode=0o644)
    return IssuingCA(key, certificate)


def issue(
    ca: IssuingCA,
    public_key,
    *,
    holder_name: str,
    organisation_name: str,
    card_serial: str,
    now: datetime,
    valid_for: timedelta,
    crl_url: str,
) -> x509.Certificate:
    """The certificate for the key a card made: the holder, their organisation and the card's serial, for
    signing in (client authentication), pointing at the CRL that would list it."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, holder_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation_name),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, card_serial),
        ]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + valid_for)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
        .add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)]
            ),
            critical=False,
        )
        .sign(ca.key, hashes.SHA384())
    )


def revocation_list(
    ca: IssuingCA, revoked: Iterable[Revoked], *, number: int, now: datetime, next_update: timedelta
) -> x509.CertificateRevocationList:
    """The CRL: every revoked card's certificate, numbered (a newer list has a higher number)."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(now)
        .next_update(now + next_update)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
    )
    for card in revoked:
        entry = x509.RevokedCertificateBuilder().serial_number(card.serial_number).revocation_date(card.revoked_at)
        if card.reason is not x509.ReasonFlags.unspecified:
            entry = entry.add_extension(x509.CRLReason(card.reason), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    return builder.sign(ca.key, hashes.SHA384())


def _write(path: Path, data: bytes, *, mode: int) -> None:
    """Written whole or not at all: under a temporary name beside it, then moved into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

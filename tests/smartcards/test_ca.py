"""The portal's issuing CA, judged by OpenSSL as a relying party would: a card's certificate chains to the
CA, carries the holder, the organisation and the card serial, and once its serial is on the CRL,
`openssl verify -crl_check` refuses it while another card's still passes."""

import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.components import require
from webapp.smartcards import ca

NOW = datetime.now(UTC)
CRL_URL = "https://loket.example/smartcards/crl"


@pytest.fixture
def openssl():
    path = shutil.which("openssl")
    require(path is not None, "openssl", "the Debian package openssl")
    return path


@pytest.fixture
def issuing_ca(tmp_path):
    return ca.load_or_create(tmp_path / "ca-key.pem", tmp_path / "ca.pem", "Loket Smartcard CA", NOW)


def card_certificate(issuing_ca, serial="ZID-000123", valid_for=timedelta(days=3 * 365)):
    card_key = ec.generate_private_key(ec.SECP256R1())  # as a card makes it: EC P-256
    return ca.issue(
        issuing_ca,
        card_key.public_key(),
        holder_name="Roos de Winter",
        organisation_name="Herenbos Schagen",
        card_serial=serial,
        now=NOW,
        valid_for=valid_for,
        crl_url=CRL_URL,
    )


def pem(path, thing):
    path.write_bytes(thing.public_bytes(serialization.Encoding.PEM))
    return str(path)


def verify(openssl, tmp_path, certificate, crl=None):
    command = [openssl, "verify", "-CAfile", str(tmp_path / "ca.pem")]
    if crl is not None:
        command += ["-crl_check", "-CRLfile", pem(tmp_path / "crl.pem", crl)]
    return subprocess.run(
        [*command, pem(tmp_path / "card.pem", certificate)], capture_output=True, text=True, timeout=60
    )


def test_the_ca_is_made_once_and_its_key_is_for_its_owner_only(tmp_path, issuing_ca):
    again = ca.load_or_create(tmp_path / "ca-key.pem", tmp_path / "ca.pem", "Loket Smartcard CA", NOW)
    assert again.certificate == issuing_ca.certificate
    assert (tmp_path / "ca-key.pem").stat().st_mode & 0o777 == 0o600
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ca-key.pem", "ca.pem"]  # no temporary left


def test_a_card_certificate_names_holder_organisation_and_card_and_chains_to_the_ca(openssl, tmp_path, issuing_ca):
    certificate = card_certificate(issuing_ca, valid_for=timedelta(days=3 * 365))
    subject = certificate.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Roos de Winter"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Herenbos Schagen"
    assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "ZID-000123"
    assert certificate.not_valid_after_utc - NOW > timedelta(days=3 * 365 - 1)
    usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert points[0].full_name[0].value == CRL_URL
    verified = verify(openssl, tmp_path, certificate)
    assert verified.returncode == 0, verified.stderr + verified.stdout


def test_a_revoked_cards_certificate_is_refused_with_the_crl_and_another_card_still_passes(
    openssl, tmp_path, issuing_ca
):
    revoked, kept = card_certificate(issuing_ca, "ZID-000001"), card_certificate(issuing_ca, "ZID-000002")
    empty = ca.revocation_list(issuing_ca, [], number=1, now=NOW, next_update=timedelta(days=1))
    assert verify(openssl, tmp_path, revoked, empty).returncode == 0

    listed = ca.revocation_list(
        issuing_ca,
        [ca.Revoked(revoked.serial_number, NOW, x509.ReasonFlags.key_compromise)],
        number=2,
        now=NOW,
        next_update=timedelta(days=1),
    )
    refused = verify(openssl, tmp_path, revoked, listed)
    assert refused.returncode != 0 and "certificate revoked" in refused.stdout + refused.stderr
    passed = verify(openssl, tmp_path, kept, listed)
    assert passed.returncode == 0, passed.stderr + passed.stdout
    assert listed.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 2


def test_a_certificate_from_another_ca_does_not_chain(openssl, tmp_path, issuing_ca):
    other = ca.load_or_create(tmp_path / "other" / "key.pem", tmp_path / "other" / "ca.pem", "Een andere CA", NOW)
    verified = verify(openssl, tmp_path, card_certificate(other))
    assert verified.returncode != 0

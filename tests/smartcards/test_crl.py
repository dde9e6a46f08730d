"""The portal CA's revocation list at trust.CRL_PATH: public, DER, signed by the issuing CA, numbered; every
organisation's revoked cards on it; a new list after each revocation and before the next update is due. And
OpenSSL as a relying party: a card's certificate verifies before it is revoked through the page, and is refused
("certificate revoked") after, with the CRL fetched from the address in the certificate."""

import shutil
import subprocess
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from tests.components import require
from tests.smartcards.admin_world import make_card, make_world
from webapp.core.jobs import wait_for_in_process_jobs
from webapp.core.timeutil import utcnow
from webapp.extensions import db
from webapp.smartcards import ca, crl, trust
from webapp.smartcards.models import RevocationListNumber


@pytest.fixture
def issuing(app, tmp_path):
    """The portal's issuing CA in this test's own files."""
    app.config["SMARTCARD_CA_KEY_FILE"] = str(tmp_path / "ca" / "ca-key.pem")
    app.config["SMARTCARD_CA_CERT_FILE"] = str(tmp_path / "ca" / "ca.pem")
    return trust.issuing_ca()


@pytest.fixture
def world(app, factory, issuing):
    return make_world(app, factory)


def fetch(client, path=trust.CRL_PATH) -> x509.CertificateRevocationList:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "application/pkix-crl"
    return x509.load_der_x509_crl(response.get_data())


def listed(crl_list) -> set[int]:
    return {entry.serial_number for entry in crl_list}


def test_the_list_is_public_der_signed_and_cacheable_briefly(app, issuing):
    response = app.test_client().get(trust.CRL_PATH)  # nobody logged in
    assert response.status_code == 200 and response.mimetype == "application/pkix-crl"
    assert "public" in response.headers["Cache-Control"] and "max-age=300" in response.headers["Cache-Control"]
    crl_list = x509.load_der_x509_crl(response.get_data())
    assert crl_list.is_signature_valid(issuing.certificate.public_key())
    assert crl_list.issuer == issuing.certificate.subject
    assert crl_list.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 1
    assert crl_list.next_update_utc > utcnow() + timedelta(days=6)
    assert len(crl_list) == 0
    # served as stored: no new number for every request, and a conditional GET is answered briefly
    again = app.test_client().get(trust.CRL_PATH, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert fetch(app.test_client()).extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 1


def test_every_organisations_revoked_cards_are_listed_with_their_reasons(app, world):
    mine = world.card("revoked", certificate_serial="0a1b2c", revocation_reason="stolen", revoked_at=utcnow())
    theirs = make_card(world.beta, state="revoked", certificate_serial="ff01", revocation_reason="left")
    blocked = world.card("blocked", certificate_serial="0b0b")
    active = world.card("active", certificate_serial="0c0c")
    number = crl.publish()
    db.session.commit()
    crl_list = fetch(app.test_client())
    assert listed(crl_list) == {0x0A1B2C, 0xFF01}
    assert crl_list.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == number
    entry = crl_list.get_revoked_certificate_by_serial_number(0x0A1B2C)
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == x509.ReasonFlags.key_compromise
    assert crl_list.get_revoked_certificate_by_serial_number(0xFF01).extensions.get_extension_for_class(
        x509.CRLReason
    ).value.reason == (x509.ReasonFlags.affiliation_changed)
    assert {mine.id, theirs.id, blocked.id, active.id}  # the cards exist; only the revoked are listed


def test_each_publication_raises_the_number(app, world):
    first = crl.publish()
    db.session.commit()
    second = crl.publish()
    db.session.commit()
    assert second == first + 1
    assert db.session.execute(select(RevocationListNumber.number)).scalar_one() == second
    assert fetch(app.test_client()).extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == second


def test_revoking_through_the_page_publishes_a_new_list(app, world):
    card = world.card("active", certificate_serial="1234abcd")
    before = fetch(app.test_client())
    assert 0x1234ABCD not in listed(before)
    response = world.client.post(f"/smartcards/beheer/kaarten/{card.id}/intrekken", data={"reason": "lost"})
    assert response.status_code == 303
    wait_for_in_process_jobs()
    after = fetch(app.test_client())
    assert 0x1234ABCD in listed(after)
    number = after.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    assert number > before.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number


def test_the_periodic_job_publishes_before_the_next_update(app, world, monkeypatch):
    from webapp.core.periodic import tasks

    assert any(task.func is crl.refresh for task in tasks().values())  # declared by the module
    assert crl.refresh().startswith("gepubliceerd")  # none stored yet
    db.session.commit()
    assert crl.refresh() == "actueel"  # a fresh list stands
    monkeypatch.setattr(crl, "NEXT_UPDATE", timedelta(days=1))  # a list whose next update is near
    crl.publish()
    db.session.commit()
    assert crl.refresh().startswith("gepubliceerd")


@pytest.fixture
def openssl():
    path = shutil.which("openssl")
    require(path is not None, "openssl", "the Debian package openssl")
    return path


def test_openssl_refuses_a_card_revoked_through_the_page(app, world, openssl, tmp_path):
    """A certificate as the portal issues it for a card's key, pointing at the CRL's public address."""
    issuing = trust.issuing_ca()
    card = world.card("active")
    certificate = ca.issue(
        issuing,
        ec.generate_private_key(ec.SECP256R1()).public_key(),
        holder_name=card.holder_name,
        organisation_name=world.alfa.name,
        card_serial=card.card_serial,
        now=utcnow(),
        valid_for=timedelta(days=3 * 365),
        crl_url=trust.crl_url(),
    )
    card.certificate_serial = format(certificate.serial_number, "x")
    card.certificate = certificate.public_bytes(serialization.Encoding.DER)
    db.session.commit()
    [point] = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    address = point.full_name[0].value
    assert urlsplit(address).path == trust.CRL_PATH

    def verify():
        crl_der = app.test_client().get(urlsplit(address).path).get_data()
        (tmp_path / "crl.pem").write_bytes(x509.load_der_x509_crl(crl_der).public_bytes(serialization.Encoding.PEM))
        (tmp_path / "ca.pem").write_bytes(issuing.certificate.public_bytes(serialization.Encoding.PEM))
        (tmp_path / "card.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        return subprocess.run(
            [
                openssl,
                "verify",
                "-crl_check",
                "-CAfile",
                str(tmp_path / "ca.pem"),
                "-CRLfile",
                str(tmp_path / "crl.pem"),
                str(tmp_path / "card.pem"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )

    before = verify()
    assert before.returncode == 0, before.stdout + before.stderr
    response = world.client.post(f"/smartcards/beheer/kaarten/{card.id}/intrekken", data={"reason": "stolen"})
    assert response.status_code == 303
    wait_for_in_process_jobs()
    after = verify()
    assert after.returncode != 0 and "certificate revoked" in after.stdout + after.stderr

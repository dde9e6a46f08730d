"""A card that failed after the portal issued its certificate (pulled out half-way, or left half-made until the
periodic job ends it) may hold that certificate already: its certificate is withdrawn, so it must be on the
public revocation list, published anew after the failure is committed, like a revocation."""

import pytest
from cryptography import x509

from tests.smartcards.admin_world import make_world
from webapp.core.jobs import wait_for_in_process_jobs
from webapp.core.timeutil import utcnow
from webapp.extensions import db
from webapp.smartcards import crl, personalise, trust


@pytest.fixture
def world(app, factory, tmp_path):
    app.config["SMARTCARD_CA_KEY_FILE"] = str(tmp_path / "ca" / "ca-key.pem")
    app.config["SMARTCARD_CA_CERT_FILE"] = str(tmp_path / "ca" / "ca.pem")
    trust.issuing_ca()
    return make_world(app, factory)


def listed(app) -> set[int]:
    response = app.test_client().get(trust.CRL_PATH)
    assert response.status_code == 200
    return {entry.serial_number for entry in x509.load_der_x509_crl(response.get_data())}


def test_a_card_failed_after_its_certificate_was_issued_is_on_the_published_list(app, world):
    half_made = world.card("personalising", certificate_serial="5eed01", certificate=b"issued")
    never_issued = world.card("personalising")
    crl.publish()
    db.session.commit()
    assert 0x5EED01 not in listed(app)

    personalise.fail_card(half_made, actor_id=None, now=utcnow())
    personalise.fail_card(never_issued, actor_id=None, now=utcnow())
    db.session.commit()
    wait_for_in_process_jobs()

    assert half_made.state == "failed" and half_made.revoked_at is not None
    assert listed(app) == {0x5EED01}


def test_the_periodic_job_withdraws_a_half_made_cards_certificate_on_the_list(app, world):
    stale = world.card("personalising", certificate_serial="5eed02", certificate=b"issued")
    crl.publish()
    db.session.commit()
    personalise.fail_stale_cards(utcnow() + personalise.STALE_AFTER * 10)
    db.session.commit()
    wait_for_in_process_jobs()
    assert db.session.get(type(stale), stale.id).state == "failed"
    assert 0x5EED02 in listed(app)

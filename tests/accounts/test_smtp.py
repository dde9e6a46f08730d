"""Activation and reset mails over a real SMTP server (aiosmtpd on loopback); the test follows
the links from the received mail."""

import pytest

from tests.accounts.helpers import path_of
from tests.conftest import make_app
from tests.factories import login
from tests.mail import links


@pytest.fixture
def mail_app(app, database_url, tmp_path, smtp):  # noqa: F811
    return make_app(tmp_path, database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)


def test_activation_and_reset_mails_arrive_over_smtp(mail_app, factory, smtp, tmp_path):  # noqa: F811
    organisation = factory.organisation("Herenbos Schagen")
    admin = factory.user()
    factory.member(admin, organisation, role="admin")
    client = mail_app.test_client()
    login(client, admin.email, organisation=organisation.id)
    address = f"smtp-{tmp_path.name}@herenbos.example"
    client.post(
        "/mijn-organisatie/contactpersonen/nieuw",
        data={"email": address, "first_name": "Sanne", "last_name": "de Wit", "role": "contact"},
    )
    message = smtp.wait_for(to=address, subject="Activeer")
    assert message["From"] and "Herenbos Schagen" in message.get_body().get_content()
    activation = path_of(links(message)[0])
    invited = mail_app.test_client()
    assert (
        invited.post(activation, data={"password": "Kade-Brug-84-Lente", "confirm": "Kade-Brug-84-Lente"}).status_code
        == 303
    )
    invited.post("/uitloggen")

    invited.post("/wachtwoord-opvragen", data={"email": address})
    reset = path_of(links(smtp.wait_for(to=address, subject="wachtwoord"))[0])
    assert reset.startswith("/wachtwoord-wijzigen/")
    assert (
        invited.post(reset, data={"password": "Molen-Dijk-17-Zomer", "confirm": "Molen-Dijk-17-Zomer"}).status_code
        == 303
    )
    assert invited.get("/mijn-gegevens").status_code == 200
    login(mail_app.test_client(), address, "Molen-Dijk-17-Zomer", organisation=organisation.id)
    assert not (tmp_path / "outbox").exists() or not list((tmp_path / "outbox").glob("*.eml"))

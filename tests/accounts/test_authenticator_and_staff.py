"""Authenticator (TOTP) and step-up; issuer staff: the create-staff command and the back-office."""

import re
import time

import pyotp
from sqlalchemy import select

from tests.accounts.helpers import mailed_path, new_password_post
from tests.factories import login
from webapp.accounts.models import LoginSession, Organisation, User
from webapp.core.auth import level_required
from webapp.extensions import db


def _secret(page: str) -> str:
    return re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)


def test_couple_authenticator_and_step_up(app, client, factory):
    @app.get("/_test/register")
    @level_required("EH2+")
    def register():
        return "level ok"

    user = factory.user()
    login(client, user.email)
    response = client.get("/_test/register")
    assert response.status_code == 302 and response.headers["Location"].startswith("/verificatie?level=EH2%2B")

    page = client.get("/authenticator").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    totp = pyotp.TOTP(_secret(page))
    wrong = client.post("/authenticator", data={"code": "000000" if totp.now() != "000000" else "111111"})
    assert wrong.status_code == 400
    assert client.post("/authenticator", data={"code": "abc"}).status_code == 400
    code = totp.now()
    response = client.post("/authenticator", data={"code": code})
    assert response.status_code == 303 and response.headers["Location"].startswith("/verificatie")
    sealed = db.session.get(User, user.id).totp_secret
    assert sealed and totp.secret not in sealed  # stored sealed

    # the code used to couple is refused for the step-up (used once)
    again = client.post("/verificatie?next=/_test/register", data={"code": code})
    assert again.status_code == 400 and "al gebruikt" in again.get_data(as_text=True)
    assert client.get("/_test/register").status_code == 302
    login_session = db.session.execute(select(LoginSession).where(LoginSession.user_id == user.id)).scalar_one()
    assert login_session.level == "EH1"

    next_code = totp.at(time.time() + totp.interval)  # the next time step: accepted with one step of drift
    response = client.post("/verificatie?next=/_test/register", data={"code": next_code})
    assert response.status_code == 303 and response.headers["Location"] == "/_test/register"
    assert client.get("/_test/register").get_data(as_text=True) == "level ok"
    # the same code once more is refused
    assert client.post("/verificatie", data={"code": next_code}).status_code == 400
    # a new login starts at EH1 again
    other = app.test_client()
    login(other, user.email)
    assert other.get("/_test/register").status_code == 302

    # Ontkoppelen asks first: the page's link leads to a question, and only its post decouples
    page = client.get("/authenticator").get_data(as_text=True)
    assert (
        'href="/authenticator/ontkoppelen"' in page and 'method="post" action="/authenticator/ontkoppelen"' not in page
    )
    question = client.get("/authenticator/ontkoppelen").get_data(as_text=True)
    assert "Weet u zeker dat u uw authenticator wilt ontkoppelen?" in question and 'href="/authenticator"' in question
    assert db.session.get(User, user.id).totp_secret  # asking changed nothing
    assert client.post("/authenticator/ontkoppelen").status_code == 303
    assert db.session.get(User, user.id).totp_secret is None


def test_create_staff_command_and_back_office(app, factory, outbox):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-staff", "Beheer@Loket.example", "--first-name", "Bea", "--last-name", "Heer"])
    assert result.exit_code == 0, result.output
    staff = db.session.execute(select(User).where(User.email == "beheer@loket.example")).scalar_one()
    assert staff.is_staff and not staff.is_activated
    path = mailed_path(outbox, "beheer@loket.example", "Activeer")
    assert path in result.output

    client = app.test_client()
    assert new_password_post(client, path, "Kade-Brug-84-Lente").status_code == 303
    assert client.get("/beheer/organisaties").status_code == 200
    assert client.post("/beheer/organisaties/nieuw", data={"name": "", "kind": "nope"}).status_code == 400
    response = client.post(
        "/beheer/organisaties/nieuw", data={"name": "Zorggroep Oost", "kind": "care", "city": "Hoorn"}
    )
    assert response.status_code == 303
    organisation = db.session.execute(select(Organisation).where(Organisation.name == "Zorggroep Oost")).scalar_one()
    assert organisation.kind == "care"
    response = client.post(
        response.headers["Location"],
        data={"email": "anna@zorggroep.example", "first_name": "Anna", "last_name": "de Vries", "role": "admin"},
    )
    assert response.status_code == 303
    assert "Anna" in client.get(response.headers["Location"]).get_data(as_text=True)
    invite = mailed_path(outbox, "anna@zorggroep.example", "Activeer")
    assert "Zorggroep Oost" in outbox.to("anna@zorggroep.example")[-1].get_body().get_content()
    anna = app.test_client()
    assert new_password_post(anna, invite, "Tulpen-Molen-31").status_code == 303
    anna.post("/organisatie-kiezen", data={"context": str(organisation.id)})
    assert "Organisatiegegevens aanpassen" in anna.get("/mijn-organisatie").get_data(as_text=True)

    # running the command again for an existing address makes it staff, no duplicate
    user = factory.user("gewoon@voorbeeld.example")
    assert runner.invoke(args=["create-staff", user.email]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(User, user.id).is_staff


def test_back_office_is_a_404_for_non_staff(app, client, factory):
    organisation = factory.organisation()
    user = factory.user()
    factory.member(user, organisation, role="admin")
    login(client, user.email, organisation=organisation.id)
    for url in (
        "/beheer",
        "/beheer/organisaties",
        "/beheer/organisaties/nieuw",
        f"/beheer/organisaties/{organisation.id}",
    ):
        assert client.get(url).status_code == 404
    assert client.post("/beheer/organisaties/nieuw", data={"name": "X", "kind": "care"}).status_code == 404


def test_a_level_no_method_reaches_is_said_plainly_without_a_loop(app, client, factory):
    """EH4 is reached by no installed module: the step-up page says so and offers no authenticator code (which
    would only reach EH2+ and send the user round again)."""

    @app.get("/_test/eh4")
    @level_required("EH4")
    def needs_eh4():
        return "level ok"

    user = factory.user()
    login(client, user.email)
    response = client.get("/_test/eh4")
    assert response.status_code == 302 and response.headers["Location"].startswith("/verificatie?level=EH4")
    page = client.get(response.headers["Location"])
    text = page.get_data(as_text=True)
    assert page.status_code == 403 and "Niveau EH4 kunt u in Loket nog niet bereiken" in text
    assert 'name="code"' not in text and "Koppel eerst een authenticator" not in text
    assert client.post(response.headers["Location"], data={"code": "123456"}).status_code == 403
    assert client.get("/_test/eh4").status_code == 302  # still below EH4: the same honest answer, no loop


def test_eh3_is_reached_with_a_smartcard_only(app, client, factory):
    """EH3 needs a smartcard sign-in: a user without a smartcard is sent to make one; no authenticator code."""

    @app.get("/_test/eh3")
    @level_required("EH3")
    def needs_eh3():
        return "level ok"

    user = factory.user()
    login(client, user.email)
    response = client.get("/_test/eh3")
    assert response.status_code == 302 and response.headers["Location"].startswith("/verificatie?level=EH3")
    text = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Smartcard" in text and 'href="/smartcards/aanmaken"' in text
    assert 'name="code"' not in text and "Koppel eerst een authenticator" not in text
    assert client.post(response.headers["Location"], data={"code": "123456"}).status_code == 400
    assert client.get("/_test/eh3").status_code == 302

"""Activation, login, "Onthoud mijn gegevens", logout and the server-side session."""

from datetime import timedelta

from sqlalchemy import select, update

from tests.accounts.helpers import mailed_path, new_password_post
from tests.factories import PASSWORD, login
from webapp.accounts import services
from webapp.accounts.models import LoginSession, User
from webapp.core.timeutil import utcnow
from webapp.extensions import db

NEW_PASSWORD = "Kade-Brug-84-Lente"


def _sessions(user_id):
    return db.session.execute(select(LoginSession).where(LoginSession.user_id == user_id)).scalars().all()


def test_activation_from_back_office_invite(app, client, factory, outbox):
    staff = factory.user("staf@loket.example", is_staff=True)
    organisation = factory.organisation("Herenbos Schagen")
    login(client, staff.email)
    response = client.post(
        f"/beheer/organisaties/{organisation.id}",
        data={
            "email": "Nieuw.Contact@Herenbos.example",
            "first_name": "Deby",
            "last_name": "Rummens",
            "role": "admin",
        },
    )
    assert response.status_code == 303
    client.post("/uitloggen")
    path = mailed_path(outbox, "nieuw.contact@herenbos.example", "Activeer")
    assert "Herenbos Schagen" in outbox.to("nieuw.contact@herenbos.example")[-1].get_body().get_content()
    page = client.get(path)
    assert page.status_code == 200 and "wachtwoord" in page.get_data(as_text=True).lower()
    # not activated yet: no login
    assert (
        client.post("/inloggen", data={"email": "nieuw.contact@herenbos.example", "password": NEW_PASSWORD}).status_code
        == 400
    )
    weak = new_password_post(client, path, "Rummens-2026!")
    assert weak.status_code == 400 and "naam of e-mailadres" in weak.get_data(as_text=True)
    done = new_password_post(client, path, NEW_PASSWORD)
    assert done.status_code == 303
    assert client.get("/mijn-gegevens").status_code == 200  # logged in after activation
    # the link works once
    assert client.get(path).status_code == 404
    client.post("/uitloggen")
    assert new_password_post(client, path, "Andere-Kade-99").status_code == 404
    login(client, "nieuw.contact@herenbos.example", NEW_PASSWORD, organisation=organisation.id)
    assert "Herenbos Schagen" in client.get("/mijn-organisatie").get_data(as_text=True)


def test_activation_link_expires(app, client, factory, outbox):
    user = factory.user("laat@voorbeeld.example", activated=False)
    services.send_activation(user)
    db.session.commit()
    path = mailed_path(outbox, user.email)
    app.config["TOKEN_MAX_AGE"] = -1
    assert client.get(path).status_code == 404
    assert new_password_post(client, path, NEW_PASSWORD).status_code == 404
    assert db.session.get(User, user.id).password_hash is None


def test_forged_token_is_refused(app, client):
    assert client.get("/activeren/eyJpZCI6MX0.bogus.sig").status_code == 404
    assert client.get("/wachtwoord-wijzigen/" + "x" * 300).status_code == 404


def test_login_wrong_password_and_unactivated_account(app, client, factory):
    user = factory.user("piet@voorbeeld.example")
    factory.user("nieuw@voorbeeld.example", activated=False)
    for email, password in [
        (user.email, "Verkeerd-Wachtwoord-1"),
        ("nieuw@voorbeeld.example", PASSWORD),
        ("onbekend@voorbeeld.example", PASSWORD),
    ]:
        response = client.post("/inloggen", data={"email": email, "password": password})
        assert response.status_code == 400
        assert "De combinatie van gebruikersnaam en wachtwoord is onjuist" in response.get_data(as_text=True)
    assert client.get("/mijn-gegevens").status_code == 302
    response = client.post("/inloggen", data={"email": "  PIET@Voorbeeld.example ", "password": PASSWORD})
    assert response.status_code == 303
    assert client.get("/mijn-gegevens").status_code == 200


def test_login_gives_a_new_session_id_and_logout_refuses_a_copied_cookie(app, client, factory):
    user = factory.user()
    client.get("/inloggen")
    before = client.get_cookie("loket_session")
    login(client, user.email)
    during = client.get_cookie("loket_session").value
    assert before is None or before.value != during
    [first] = _sessions(user.id)
    login(client, user.email)  # logging in again makes yet another session
    copied = client.get_cookie("loket_session").value
    assert copied != during
    assert client.get("/mijn-gegevens").status_code == 200
    assert client.post("/uitloggen").status_code == 303
    assert client.get("/mijn-gegevens").status_code == 302
    client.set_cookie("loket_session", copied)
    response = client.get("/mijn-gegevens")
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]
    assert len(_sessions(user.id)) == 1  # only the first login's session, never logged out, remains


def test_a_changed_or_outlived_session_cookie_is_refused_after_the_real_one_worked(app, client, factory):
    """An altered cookie is refused even after the real one worked; a session past its expiry ends."""
    user = factory.user()
    login(client, user.email)
    cookie = client.get_cookie("loket_session").value
    assert client.get("/mijn-gegevens").status_code == 200
    payload, signed_at, signature = cookie.rsplit(".", 2)
    other_signature = ("A" if signature[0] != "A" else "B") + signature[1:]  # (the last character has padding bits)
    forged_payload = payload.replace(payload[5], "x" if payload[5] != "x" else "y", 1)
    for forged in (f"{payload}.{signed_at}.{other_signature}", f"{forged_payload}.{signed_at}.{signature}"):
        client.set_cookie("loket_session", forged)
        response = client.get("/mijn-gegevens")
        assert response.status_code == 302 and "/inloggen" in response.headers["Location"], forged
    client.set_cookie("loket_session", cookie)
    assert client.get("/mijn-gegevens").status_code == 200
    db.session.execute(
        update(LoginSession).where(LoginSession.user_id == user.id).values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    assert client.get("/mijn-gegevens").status_code == 302


def test_a_read_only_page_keeps_an_active_session_alive_and_an_idle_one_ends(app, client, factory):
    user = factory.user()
    login(client, user.email)
    assert len(_sessions(user.id)) == 1
    long_ago = utcnow() - timedelta(hours=1)
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id)
        .values(last_seen_at=long_ago, expires_at=utcnow() + timedelta(minutes=1))
    )
    db.session.commit()
    assert client.get("/mijn-gegevens").status_code == 200  # a page marked read_only
    db.session.expire_all()
    [seen] = _sessions(user.id)
    assert seen.last_seen_at > long_ago + timedelta(minutes=59)
    assert seen.expires_at > utcnow() + app.config["SESSION_IDLE"] - timedelta(minutes=1)

    db.session.execute(
        update(LoginSession).where(LoginSession.user_id == user.id).values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    response = client.get("/mijn-gegevens")
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]


def test_remember_me_keeps_the_cookie_and_the_email_until_logout(app, client, factory):
    organisation = factory.organisation("Herenbos Schagen")
    other = factory.organisation("Gemeente Heerhugowaard")
    user = factory.user("deby@herenbos.example")
    factory.member(user, organisation, role="admin")
    factory.member(user, other, role="admin")

    # without remembering: a browser-session cookie, no e-mail cookie
    client.post("/inloggen", data={"email": user.email, "password": PASSWORD})
    assert client.get_cookie("loket_session").expires is None
    assert client.get_cookie("loket_email") is None
    client.post("/uitloggen")

    response = client.post("/inloggen", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    assert response.status_code == 303 and response.headers["Location"].startswith("/organisatie-kiezen")
    assert client.get_cookie("loket_session").expires is not None
    assert client.get_cookie("loket_email").value == user.email
    client.post(response.headers["Location"], data={"context": str(other.id)})
    assert db.session.get(User, user.id).last_organisation_id == other.id

    # a new login with remembering: the e-mail is filled in, the last organisation preselected
    client.delete_cookie("loket_session")
    page = client.get("/inloggen").get_data(as_text=True)
    assert f'value="{user.email}"' in page
    response = client.post("/inloggen", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    choose = client.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        f'value="{other.id}" checked' in choose or 'checked id="context-' in choose and f'value="{other.id}"' in choose
    )

    # logout forgets the e-mail and the organisation
    client.post("/uitloggen")
    assert client.get_cookie("loket_email") is None
    db.session.expire_all()
    assert db.session.get(User, user.id).last_organisation_id is None
    assert user.email not in client.get("/inloggen").get_data(as_text=True)


def test_next_after_login_is_kept_but_never_off_site(app, client, factory):
    user = factory.user()
    response = client.get("/mijn-gegevens")
    assert response.status_code == 302 and "next=" in response.headers["Location"]
    response = client.post("/inloggen?next=/mijn-gegevens", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/mijn-gegevens"
    client.post("/uitloggen")
    response = client.post("/inloggen?next=//evil.example/x", data={"email": user.email, "password": PASSWORD})
    assert "evil" not in response.headers["Location"]

"""Adding a contact person is an invitation: the person is mailed and accepts (or activates a new account)
before the membership counts; the admin learns nothing about whether the address had an account."""

import pytest
from sqlalchemy import select

from tests.accounts.helpers import mailed_path, new_password_post
from tests.factories import PASSWORD, login
from webapp.accounts.models import Membership, User
from webapp.core.auth import mandate_required
from webapp.extensions import db


@pytest.fixture
def herenbos(app, factory):
    organisation = factory.organisation("Herenbos Schagen")
    deby = factory.user("deby@herenbos.example", first_name="Deby", last_name="Rummens - Heijnen")
    factory.member(deby, organisation, role="admin")
    known = factory.user("load.user7@voorbeeld.example", first_name="Load", last_name="User7")

    @app.get("/_test/passes")
    @mandate_required("passes")
    def needs_passes():
        return "mandate ok"

    return {"organisation": organisation, "deby": deby, "known": known}


def _invite(client, email, first_name="Keira", last_name="Knightley", services=("passes",)):
    return client.post(
        "/mijn-organisatie/contactpersonen/nieuw",
        data={
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "role": "contact",
            "services": list(services),
        },
    )


def _admin(app, herenbos):
    client = app.test_client()
    login(client, "deby@herenbos.example", organisation=herenbos["organisation"].id)
    return client


def _memberships(email):
    return db.session.scalars(select(Membership).join(User).where(User.email == email)).all()


def test_the_admin_hears_the_same_for_a_known_and_an_unknown_address(app, herenbos, outbox):
    admin = _admin(app, herenbos)
    messages = []
    for email in ("load.user7@voorbeeld.example", "nieuw@voorbeeld.example"):
        response = _invite(admin, email, first_name="Sanne", last_name="de Wit")
        assert response.status_code == 303
        page = admin.get(response.headers["Location"]).get_data(as_text=True)
        flash = page.split('class="flash flash-success">', 1)[1].split("</p>", 1)[0]
        messages.append(flash)
        assert "Load" not in page and "User7" not in page  # the account's own name is not shown
    assert (
        messages[0]
        == messages[1]
        == ("Sanne de Wit is uitgenodigd als contactpersoon. Er is een e-mail gestuurd met de uitnodiging.")
    )
    page = admin.get("/mijn-organisatie").get_data(as_text=True)
    assert page.count("uitgenodigd</span>") == 2
    assert page.count("Uitnodiging opnieuw sturen") == 2
    # both people were mailed; neither is a member yet
    assert outbox.to("load.user7@voorbeeld.example") and outbox.to("nieuw@voorbeeld.example")
    assert _memberships("load.user7@voorbeeld.example") == [] and _memberships("nieuw@voorbeeld.example") == []
    # and the organisation's Logboek tells the two apart no more than the page does
    log = admin.get("/mijn-organisatie/logboek").get_data(as_text=True)
    assert "account.created" not in log


def test_an_invited_account_cannot_act_for_the_organisation_before_accepting(app, herenbos, outbox):
    admin = _admin(app, herenbos)
    _invite(admin, "load.user7@voorbeeld.example")
    invitee = app.test_client()
    response = invitee.post("/inloggen", data={"email": "load.user7@voorbeeld.example", "password": PASSWORD})
    assert response.headers["Location"] == "/"  # nothing to choose: not a member anywhere
    choose = invitee.post("/organisatie-kiezen", data={"context": str(herenbos["organisation"].id)})
    assert choose.status_code == 400
    assert invitee.get("/_test/passes").status_code == 302  # off to Organisatie kiezen: no organisation
    assert "Herenbos Schagen" not in invitee.get("/").get_data(as_text=True)


def test_accepting_the_invitation_makes_the_membership(app, herenbos, outbox):
    admin = _admin(app, herenbos)
    _invite(admin, "load.user7@voorbeeld.example")
    message = outbox.to("load.user7@voorbeeld.example")[-1]
    assert "Uitnodiging" in message["Subject"] and "Herenbos Schagen" in message["Subject"]
    assert "Deby Rummens - Heijnen" in message.get_body().get_content()
    path = mailed_path(outbox, "load.user7@voorbeeld.example", "Uitnodiging")

    invitee = app.test_client()
    assert invitee.get(path).headers["Location"].startswith("/inloggen")  # log in first
    login(invitee, "load.user7@voorbeeld.example")
    page = invitee.get(path).get_data(as_text=True)
    assert "Herenbos Schagen" in page and "Uitnodiging aannemen" in page
    assert _memberships("load.user7@voorbeeld.example") == []  # looking is not accepting
    accepted = invitee.post(path)
    assert accepted.status_code == 303
    [membership] = _memberships("load.user7@voorbeeld.example")
    assert membership.role == "contact" and membership.services == {"passes"}
    assert invitee.get("/_test/passes").get_data(as_text=True) == "mandate ok"  # acting for it now
    # the link worked once; the admin now sees the member, no longer the invitation
    assert invitee.post(path).status_code == 404
    page = admin.get("/mijn-organisatie").get_data(as_text=True)
    assert "Load User7" in page and "Uitnodiging opnieuw sturen" not in page
    actions = admin.get("/mijn-organisatie/logboek").get_data(as_text=True)
    assert "invitation.accepted" in actions and "invitation.sent" in actions


def test_a_new_address_activates_and_is_then_a_member(app, herenbos, outbox):
    admin = _admin(app, herenbos)
    _invite(admin, "nieuw@voorbeeld.example")
    path = mailed_path(outbox, "nieuw@voorbeeld.example", "Activeer")
    assert "Herenbos Schagen" in outbox.to("nieuw@voorbeeld.example")[-1].get_body().get_content()
    assert _memberships("nieuw@voorbeeld.example") == []
    invitee = app.test_client()
    response = new_password_post(invitee, path, "Kade-Brug-84-Lente")
    assert response.status_code == 303 and response.headers["Location"].startswith("/organisatie-kiezen")
    [membership] = _memberships("nieuw@voorbeeld.example")
    assert membership.services == {"passes"}


def test_resending_mails_again_with_a_fresh_link(app, herenbos, outbox):
    admin = _admin(app, herenbos)
    _invite(admin, "load.user7@voorbeeld.example")
    first = mailed_path(outbox, "load.user7@voorbeeld.example", "Uitnodiging")
    page = admin.get("/mijn-organisatie").get_data(as_text=True)
    action = page.split('action="', 1)[1]
    while "/opnieuw-sturen" not in action.split('"', 1)[0]:
        action = action.split('action="', 1)[1]
    resend = admin.post(action.split('"', 1)[0])
    assert resend.status_code == 303
    assert "De uitnodiging aan Keira Knightley is opnieuw gestuurd." in admin.get("/mijn-organisatie").get_data(
        as_text=True
    )
    assert len(outbox.to("load.user7@voorbeeld.example")) == 2
    second = mailed_path(outbox, "load.user7@voorbeeld.example", "Uitnodiging")
    assert second != first
    invitee = app.test_client()
    login(invitee, "load.user7@voorbeeld.example")
    assert invitee.get(first).status_code == 404  # the older link gave way to the new one
    assert invitee.post(second).status_code == 303
    assert len(_memberships("load.user7@voorbeeld.example")) == 1


def test_an_invitation_for_another_account_is_refused(app, herenbos, factory, outbox):
    admin = _admin(app, herenbos)
    _invite(admin, "load.user7@voorbeeld.example")
    path = mailed_path(outbox, "load.user7@voorbeeld.example", "Uitnodiging")
    other = factory.user("ander@voorbeeld.example")
    intruder = app.test_client()
    login(intruder, other.email)
    refused = intruder.get(path)
    assert refused.status_code == 404
    assert "niet voor het account waarmee u bent ingelogd" in refused.get_data(as_text=True)
    assert intruder.post(path).status_code == 404
    assert _memberships(other.email) == [] and _memberships("load.user7@voorbeeld.example") == []
    assert app.test_client().get("/mijn-organisatie/uitnodiging/vervalst").status_code == 302  # log in first
    login(intruder := app.test_client(), other.email)
    assert intruder.get("/mijn-organisatie/uitnodiging/vervalst").status_code == 404


def test_an_invitation_can_be_withdrawn_after_confirming(app, herenbos, outbox):
    admin = _admin(app, herenbos)
    _invite(admin, "load.user7@voorbeeld.example")
    path = mailed_path(outbox, "load.user7@voorbeeld.example", "Uitnodiging")
    page = admin.get("/mijn-organisatie").get_data(as_text=True)
    confirm_url = page.split('href="', 1)[1]
    while "/intrekken" not in confirm_url.split('"', 1)[0]:
        confirm_url = confirm_url.split('href="', 1)[1]
    confirm_url = confirm_url.split('"', 1)[0]
    confirm = admin.get(confirm_url).get_data(as_text=True)
    assert "Weet u zeker dat u de uitnodiging aan Keira Knightley wilt intrekken?" in confirm
    assert admin.post(confirm_url).status_code == 303
    assert "Uitnodiging opnieuw sturen" not in admin.get("/mijn-organisatie").get_data(as_text=True)
    invitee = app.test_client()
    login(invitee, "load.user7@voorbeeld.example")
    assert invitee.post(path).status_code == 404
    assert _memberships("load.user7@voorbeeld.example") == []
    # the person may be invited again
    assert _invite(admin, "load.user7@voorbeeld.example").status_code == 303


def test_another_organisations_admin_cannot_resend_or_withdraw(app, herenbos, factory, outbox):
    admin = _admin(app, herenbos)
    _invite(admin, "load.user7@voorbeeld.example")
    page = admin.get("/mijn-organisatie").get_data(as_text=True)
    resend = page.split("/opnieuw-sturen", 1)[0].rsplit('"', 1)[1] + "/opnieuw-sturen"
    elsewhere = factory.organisation("Elders")
    stranger = factory.user()
    factory.member(stranger, elsewhere, role="admin")
    other = app.test_client()
    login(other, stranger.email, organisation=elsewhere.id)
    assert other.post(resend).status_code == 404
    assert other.get(resend.replace("/opnieuw-sturen", "/intrekken")).status_code == 404
    assert len(outbox.to("load.user7@voorbeeld.example")) == 1

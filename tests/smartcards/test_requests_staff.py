"""The staff's decision on a registration request: the list, accepting and rejecting (each mailed), the state
table's refusals of a hand-made post, the dashboard's count, and what the validation part reads
(`accepted_request`); on both databases."""

import pytest
from sqlalchemy import select

from tests.factories import acting_as, login
from tests.mail import links
from webapp.core.errors import DomainError, NotFound
from webapp.core.models import AuditEvent
from webapp.extensions import db
from webapp.smartcards import requests


def make_request(name="Zorggroep De Linde", subscriber="90001234", email="anna@delinde.example"):
    request = requests.submit(
        {
            "organisation_name": name,
            "kvk_number": "12345678",
            "subscriber_number": subscriber,
            "street": "Lindelaan",
            "house_number": "12",
            "postcode": "1741 AB",
            "city": "Schagen",
            "representative_name": "Anna de Vries",
            "email": email,
            "phone": "0224-123456",
        }
    )
    db.session.commit()
    return request


@pytest.fixture
def staff(app, factory):
    user = factory.user("staf@loket.example", is_staff=True, first_name="Sam", last_name="Staf")
    client = app.test_client()
    login(client, user.email)
    client.user = user
    return client


@pytest.fixture
def submitted(app):
    with app.test_request_context():
        return make_request()


def test_staff_see_the_requests_newest_first_the_open_ones_marked(app, staff):
    with app.test_request_context():
        old = make_request("Oude Zorg", "11111111", "oud@example.nl")
        new = make_request("Nieuwe Zorg", "22222222", "nieuw@example.nl")
        decided = make_request("Beslist Zorg", "33333333", "beslist@example.nl")
    staff.post(f"/beheer/smartcards/aanvragen/{decided.id}/afwijzen", data={"reason": "Onbekend abonneenummer"})

    page = staff.get("/beheer/smartcards/aanvragen").get_data(as_text=True)
    assert page.index("Beslist Zorg") < page.index("Nieuwe Zorg") < page.index("Oude Zorg")
    assert page.count("Te beoordelen") >= 2  # the open ones say so in words, not by colour alone
    assert "2 aanvragen te beoordelen" in page

    only_open = staff.get("/beheer/smartcards/aanvragen?status=submitted").get_data(as_text=True)
    assert "Nieuwe Zorg" in only_open and "Oude Zorg" in only_open and "Beslist Zorg" not in only_open
    rejected = staff.get("/beheer/smartcards/aanvragen?status=rejected").get_data(as_text=True)
    assert "Beslist Zorg" in rejected and "Nieuwe Zorg" not in rejected
    assert staff.get("/beheer/smartcards/aanvragen?status=onzin").status_code == 400
    assert f"/beheer/smartcards/aanvragen/{new.id}" in page and f"/beheer/smartcards/aanvragen/{old.id}" in page


def test_the_staff_dashboard_counts_the_open_requests(app, staff, submitted):
    page = staff.get("/beheer").get_data(as_text=True)
    assert "Aanvragen registratie" in page
    assert "1 aanvraag te beoordelen" in page


def test_accepting_mails_the_next_steps(app, staff, submitted, outbox):
    page = staff.get(f"/beheer/smartcards/aanvragen/{submitted.id}").get_data(as_text=True)
    for shown in ["Zorggroep De Linde", "12345678", "90001234", "Lindelaan 12", "1741 AB", "Anna de Vries"]:
        assert shown in page
    assert "Accepteren" in page and "Afwijzen" in page

    response = staff.post(f"/beheer/smartcards/aanvragen/{submitted.id}/accepteren")
    assert response.status_code == 303
    db.session.refresh(submitted)
    assert submitted.state == "accepted"
    assert submitted.decided_by_id == staff.user.id and submitted.decided_at is not None

    [mail] = [m for m in outbox.to("anna@delinde.example") if "verwerkt" in m["Subject"]]
    assert mail["Subject"] == "Uw aanvraag is verwerkt"
    assert "http://localhost/smartcards/valideren" in links(mail)
    body = mail.get_body(preferencelist=("plain",)).get_content()
    for needed in ["smartphone", "paslezer", "UZI-zorgverlenerspas", "Kaartlezer-app"]:
        assert needed in body

    [event] = db.session.execute(select(AuditEvent).where(AuditEvent.action == "smartcard_request.accept")).scalars()
    assert (event.actor_id, event.old_state, event.new_state) == (staff.user.id, "submitted", "accepted")
    assert event.subject == f"registration_request:{submitted.id}"


def test_rejecting_asks_for_a_reason_and_mails_it(app, staff, submitted, outbox):
    refused = staff.post(f"/beheer/smartcards/aanvragen/{submitted.id}/afwijzen", data={"reason": "  "})
    assert refused.status_code == 400
    assert "Geef een reden op" in refused.get_data(as_text=True)
    db.session.refresh(submitted)
    assert submitted.state == "submitted"

    response = staff.post(
        f"/beheer/smartcards/aanvragen/{submitted.id}/afwijzen",
        data={"reason": "Het abonneenummer hoort niet bij deze organisatie."},
    )
    assert response.status_code == 303
    db.session.refresh(submitted)
    assert (submitted.state, submitted.reason) == ("rejected", "Het abonneenummer hoort niet bij deze organisatie.")
    assert submitted.decided_by_id == staff.user.id
    [mail] = [m for m in outbox.to("anna@delinde.example") if "afgewezen" in m["Subject"]]
    assert "Het abonneenummer hoort niet bij deze organisatie." in mail.get_body().get_content()
    assert "/smartcards/valideren" not in mail.get_body().get_content()
    assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "smartcard_request.reject")).scalar()


@pytest.mark.parametrize(
    ("first", "then", "message"),
    [
        ("afwijzen", "accepteren", "Een aanvraag met de status afgewezen kunt u niet accepteren."),
        ("accepteren", "accepteren", "Een aanvraag met de status verwerkt kunt u niet accepteren."),
        ("accepteren", "afwijzen", "Een aanvraag met de status verwerkt kunt u niet afwijzen."),
        ("afwijzen", "afwijzen", "Een aanvraag met de status afgewezen kunt u niet afwijzen."),
    ],
)
def test_a_transition_the_table_refuses_changes_nothing(app, staff, submitted, outbox, first, then, message):
    data = {"reason": "Onvolledig"}
    assert staff.post(f"/beheer/smartcards/aanvragen/{submitted.id}/{first}", data=data).status_code == 303
    db.session.refresh(submitted)
    state, decided_at, reason, mails = submitted.state, submitted.decided_at, submitted.reason, len(outbox.messages)
    audits = len(db.session.execute(select(AuditEvent)).scalars().all())

    response = staff.post(f"/beheer/smartcards/aanvragen/{submitted.id}/{then}", data={"reason": "Toch niet"})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.refresh(submitted)
    assert (submitted.state, submitted.decided_at, submitted.reason) == (state, decided_at, reason)
    assert len(outbox.messages) == mails
    assert len(db.session.execute(select(AuditEvent)).scalars().all()) == audits


def test_a_validated_request_cannot_be_decided_again(app, staff, submitted):
    submitted.state = "validated"
    db.session.commit()
    for action in ("accepteren", "afwijzen"):
        response = staff.post(f"/beheer/smartcards/aanvragen/{submitted.id}/{action}", data={"reason": "x"})
        assert response.status_code == 400
        assert "Een aanvraag met de status gevalideerd kunt u niet" in response.get_data(as_text=True)
    db.session.refresh(submitted)
    assert submitted.state == "validated"


def test_the_request_page_offers_no_decision_once_decided(app, staff, submitted):
    staff.post(f"/beheer/smartcards/aanvragen/{submitted.id}/accepteren")
    page = staff.get(f"/beheer/smartcards/aanvragen/{submitted.id}").get_data(as_text=True)
    assert "Verwerkt" in page and "Sam Staf" in page
    assert f"/beheer/smartcards/aanvragen/{submitted.id}/accepteren" not in page
    assert f"/beheer/smartcards/aanvragen/{submitted.id}/afwijzen" not in page


@pytest.mark.parametrize("who", ["anonymous", "person", "admin"])
def test_no_one_but_staff_finds_the_requests(app, factory, submitted, outbox, who):
    client = app.test_client()
    if who != "anonymous":
        user = factory.user(f"{who}@voorbeeld.example")
        if who == "admin":
            factory.member(user, factory.organisation("Zorggroep Ander"), role="admin")
        login(client, user.email, organisation=user.memberships[0].organisation_id if who == "admin" else None)
    for method, path in [
        ("GET", "/beheer/smartcards/aanvragen"),
        ("GET", f"/beheer/smartcards/aanvragen/{submitted.id}"),
        ("POST", f"/beheer/smartcards/aanvragen/{submitted.id}/accepteren"),
        ("POST", f"/beheer/smartcards/aanvragen/{submitted.id}/afwijzen"),
    ]:
        response = client.open(path, method=method, data={"reason": "x"})
        if who == "anonymous":
            assert response.status_code == 302 and "/inloggen" in response.headers["Location"]
        else:
            assert response.status_code == 404
            assert "Zorggroep De Linde" not in response.get_data(as_text=True)
    db.session.refresh(submitted)
    assert submitted.state == "submitted"
    assert [m for m in outbox.messages if "verwerkt" in m["Subject"] or "afgewezen" in m["Subject"]] == []


def test_the_services_check_staff_too(app, factory, submitted):
    person = factory.user("kees@voorbeeld.example")
    with app.test_request_context():
        with pytest.raises(NotFound):
            requests.accept(acting_as(person), submitted.id)
        with pytest.raises(NotFound):
            requests.reject(acting_as(person), submitted.id, "Nee")
        with pytest.raises(NotFound):
            requests.get(acting_as(person), submitted.id)
    db.session.rollback()
    db.session.refresh(submitted)
    assert submitted.state == "submitted"


def test_an_unknown_request_is_a_404(staff):
    assert staff.get("/beheer/smartcards/aanvragen/999999").status_code == 404
    assert staff.post("/beheer/smartcards/aanvragen/999999/accepteren").status_code == 404


def test_accepted_request_finds_the_accepted_not_yet_validated_one(app, factory):
    staff_user = factory.user("staf@loket.example", is_staff=True)
    with app.test_request_context():
        request = make_request()
        assert requests.accepted_request("90001234") is None  # submitted: not yet
        requests.accept(acting_as(staff_user), request.id)
        db.session.commit()
        assert requests.accepted_request("90001234").id == request.id
        assert requests.accepted_request("90001235") is None
        request.state = "validated"
        db.session.commit()
        assert requests.accepted_request("90001234") is None

        rejected = make_request("Ander", "44444444", "ander@example.nl")
        requests.reject(acting_as(staff_user), rejected.id, "Nee")
        db.session.commit()
        assert requests.accepted_request("44444444") is None


def test_a_reason_is_required_by_the_service_too(app, factory, submitted):
    staff_user = factory.user("staf@loket.example", is_staff=True)
    with app.test_request_context():
        with pytest.raises(DomainError) as refused:
            requests.reject(acting_as(staff_user), submitted.id, " ")
        assert refused.value.field == "reason"
    db.session.rollback()
    db.session.refresh(submitted)
    assert submitted.state == "submitted"


def test_the_states_shown_come_from_the_state_table(app, staff, submitted):
    from webapp.smartcards.request_states import STATES

    page = staff.get("/beheer/smartcards/aanvragen").get_data(as_text=True)
    for key, state in STATES.items():
        assert f'value="{key}"' in page and state.label in page  # the filter offers every state by its label


def test_the_staff_are_told_when_the_kvk_number_belongs_to_an_organisation_loket_has(app, staff, factory, submitted):
    """Validating such a request makes its representative the administrator of that organisation."""
    page = staff.get(f"/beheer/smartcards/aanvragen/{submitted.id}").get_data(as_text=True)
    assert "die al in Loket staat" not in page
    known = factory.organisation("Herenbos Schagen", kvk_number=submitted.kvk_number)
    page = staff.get(f"/beheer/smartcards/aanvragen/{submitted.id}").get_data(as_text=True)
    assert f'href="/beheer/organisaties/{known.id}">Herenbos Schagen</a>, die al in Loket staat' in page
    assert "wordt de vertegenwoordiger beheerder van die organisatie" in page

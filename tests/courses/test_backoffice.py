"""The issuer's back-office over HTTP: invitations, results and attendance, marking invoices paid,
and a message with attachments to a customer's message archive, each checked from the customer's side too."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import acting_as, login
from webapp.core.timeutil import today_local
from webapp.courses import services
from webapp.courses.models import Enrollment, Message
from webapp.extensions import db


@pytest.fixture
def setting(app, factory, make_event):
    herenbos = factory.organisation("Herenbos Schagen", email="info@herenbos.example")
    deby = factory.user("deby@herenbos.example", first_name="Deby", last_name="Rummens - Heijnen")
    factory.member(deby, herenbos, role="admin")
    jan = factory.user("jan.visser@example.nl", first_name="Jan", last_name="Visser")
    staff = factory.user("beheer@loket.example", is_staff=True)
    event = make_event(places=5)
    enrollment = services.enrol(acting_as(jan), event.id)
    db.session.commit()
    staff_client, jan_client = app.test_client(), app.test_client()
    login(staff_client, staff.email)
    login(jan_client, jan.email)
    return dict(
        herenbos=herenbos,
        deby=deby,
        jan=jan,
        event=event,
        enrollment=enrollment,
        staff=staff_client,
        jan_client=jan_client,
    )


def test_invitations_results_and_paid(setting, outbox):
    staff, jan, event = setting["staff"], setting["jan_client"], setting["event"]
    enrollment = setting["enrollment"]
    response = staff.post(f"/beheer/cursussen/evenementen/{event.id}/uitnodigen", follow_redirects=True)
    assert "1 uitnodiging(en) verstuurd" in response.get_data(as_text=True)
    [invitation] = [m for m in outbox.to("jan.visser@example.nl") if m["Subject"].startswith("Uitnodiging")]
    assert event.name in invitation.get_body().get_content()
    # Sending again invites nobody twice.
    assert "0 uitnodiging(en)" in staff.post(
        f"/beheer/cursussen/evenementen/{event.id}/uitnodigen", follow_redirects=True
    ).get_data(as_text=True)

    event.starts_on = today_local()  # results are recorded once the event has begun
    db.session.commit()
    response = staff.post(
        f"/beheer/cursussen/inschrijvingen/{enrollment.id}/resultaat",
        data={"result": "Afgerond", "attended": "y"},
        follow_redirects=True,
    )
    assert "Resultaat van Jan Visser is opgeslagen" in response.get_data(as_text=True)
    mine = jan.get("/mijn-onderwijsgroep/cursussen").get_data(as_text=True)
    row = mine.split(event.name, 1)[1].split("</tr>", 1)[0]
    assert "Afgerond" in row and row.count(">Ja<") == 3  # confirmation, invitation, attended
    assert "Uitnodiging" in jan.get("/mijn-onderwijsgroep/dossier").get_data(as_text=True)

    assert "Openstaand" in jan.get("/mijn-onderwijsgroep/facturen").get_data(as_text=True)
    response = staff.post(
        f"/beheer/cursussen/facturen/{enrollment.invoice_id}/betaald", data={"paid": "1"}, follow_redirects=True
    )
    assert "als betaald gemarkeerd" in response.get_data(as_text=True)
    assert "Betaald op" in jan.get("/mijn-onderwijsgroep/facturen").get_data(as_text=True)
    assert setting["enrollment"].invoice.number not in staff.get("/beheer/cursussen/facturen?open=1").get_data(
        as_text=True
    )
    # Someone else's tries change nothing.
    assert (
        jan.post(f"/beheer/cursussen/inschrijvingen/{enrollment.id}/resultaat", data={"result": "Nep"}).status_code
        == 404
    )
    assert staff.post("/beheer/cursussen/inschrijvingen/999999/resultaat", data={"result": "x"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment.id).result == "Afgerond"


def test_message_with_attachments_to_a_person_and_to_an_organisation(setting, outbox, app):
    staff, jan = setting["staff"], setting["jan_client"]
    assert "Bericht sturen" in staff.get("/beheer/cursussen/bericht").get_data(as_text=True)
    assert jan.get("/beheer/cursussen/bericht").status_code == 404
    pdf = b"%PDF-1.4 certificaat"
    response = staff.post(
        "/beheer/cursussen/bericht",
        content_type="multipart/form-data",
        data={
            "to": "person",
            "person_email": "Jan.Visser@example.nl",
            "subject": "Uw certificaat",
            "body": "Gefeliciteerd!",
            "attachments": [(io.BytesIO(pdf), "certificaat ../Jan.pdf"), (io.BytesIO(b"a;b"), "lijst.csv")],
        },
        follow_redirects=True,
    )
    assert "met 2 bijlage(n)" in response.get_data(as_text=True)
    [mail] = [m for m in outbox.to("jan.visser@example.nl") if m["Subject"] == "Uw certificaat"]
    files = {part.get_filename(): part.get_content() for part in mail.iter_attachments()}
    assert set(files) == {"certificaat_.._Jan.pdf", "lijst.csv"}  # no slashes: no path in a name
    assert files["certificaat_.._Jan.pdf"] == pdf

    archive = jan.get("/mijn-onderwijsgroep/dossier").get_data(as_text=True)
    assert "Uw certificaat" in archive
    message = db.session.execute(select(Message).where(Message.subject == "Uw certificaat")).scalar_one()
    page = jan.get(f"/mijn-onderwijsgroep/dossier/{message.id}").get_data(as_text=True)
    assert "Gefeliciteerd!" in page and "certificaat_.._Jan.pdf" in page and "lijst.csv" in page
    attachment = message.attachments[0]
    download = jan.get(f"/mijn-onderwijsgroep/dossier/{message.id}/bijlage/{attachment.id}")
    assert download.data == pdf and download.headers["Content-Type"] == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]

    # To an organisation: mailed to its address; in its admin's message archive (acting for it), not in Jan's.
    herenbos, deby = setting["herenbos"], setting["deby"]
    response = staff.post(
        "/beheer/cursussen/bericht",
        content_type="multipart/form-data",
        data={
            "to": "organisation",
            "organisation_id": str(herenbos.id),
            "subject": "Offerte maatwerk",
            "body": "Zie bijlage.",
            "attachments": [(io.BytesIO(b"offerte"), "offerte.txt")],
        },
        follow_redirects=True,
    )
    assert response.status_code == 200 and "Offerte maatwerk" in response.get_data(as_text=True)
    assert [m for m in outbox.to("info@herenbos.example") if m["Subject"] == "Offerte maatwerk"]
    admin = app.test_client()
    login(admin, deby.email, organisation=herenbos.id)
    assert "Offerte maatwerk" in admin.get("/mijn-onderwijsgroep/dossier").get_data(as_text=True)
    assert "Offerte maatwerk" not in jan.get("/mijn-onderwijsgroep/dossier").get_data(as_text=True)

    # Bad input: an unknown person, no organisation chosen; nothing is sent or stored.
    before = db.session.execute(select(Message)).all()
    for data in (
        {"to": "person", "person_email": "niemand@example.nl", "subject": "x", "body": "y"},
        {"to": "organisation", "organisation_id": "0", "subject": "x", "body": "y"},
        {"to": "person", "person_email": "jan.visser@example.nl", "subject": "", "body": "y"},
    ):
        response = staff.post("/beheer/cursussen/bericht", data=data)
        assert response.status_code == 400
    assert len(db.session.execute(select(Message)).all()) == len(before)


def stored_result(enrollment_id):
    db.session.expire_all()
    enrollment = db.session.get(Enrollment, enrollment_id)
    return enrollment.result, enrollment.attended


def test_no_result_before_the_event(setting):
    staff, jan, event, enrollment = setting["staff"], setting["jan_client"], setting["event"], setting["enrollment"]
    page = staff.get(f"/beheer/cursussen/evenementen/{event.id}").get_data(as_text=True)
    assert 'Resultaten en "Gevolgd" legt u vast vanaf de begindatum' in page and 'name="result"' not in page
    response = staff.post(
        f"/beheer/cursussen/inschrijvingen/{enrollment.id}/resultaat", data={"result": "Geslaagd", "attended": "y"}
    )
    assert response.status_code == 400
    assert "Het resultaat van Jan Visser is niet opgeslagen: Een resultaat kunt u pas vastleggen als het evenement" in (
        response.get_data(as_text=True)
    )
    assert stored_result(enrollment.id) == ("", False)
    mine = jan.get("/mijn-onderwijsgroep/cursussen").get_data(as_text=True)
    assert "Geslaagd" not in mine and "Afmelden" in mine


def test_a_result_with_a_nul_is_refused(setting):
    staff, event, enrollment = setting["staff"], setting["event"], setting["enrollment"]
    event.starts_on = today_local() - timedelta(days=1)
    db.session.commit()
    for data in ({"result": "Geslaagd\x00", "attended": "y"}, {"result": "G" * 41}):
        response = staff.post(f"/beheer/cursussen/inschrijvingen/{enrollment.id}/resultaat", data=data)
        assert response.status_code == 400
        assert "Het resultaat van Jan Visser is niet opgeslagen" in response.get_data(as_text=True)
        assert stored_result(enrollment.id) == ("", False)
    page = staff.get(f"/beheer/cursussen/evenementen/{event.id}").get_data(as_text=True)
    assert 'name="result"' in page


def test_marking_paid_keeps_the_list_filtered(setting):
    staff, enrollment = setting["staff"], setting["enrollment"]
    filtered = staff.get("/beheer/cursussen/facturen?open=1").get_data(as_text=True)
    assert '<input type="hidden" name="open" value="1">' in filtered
    response = staff.post(
        f"/beheer/cursussen/facturen/{enrollment.invoice_id}/betaald", data={"paid": "1", "open": "1"}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/beheer/cursussen/facturen?open=1"
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "als betaald gemarkeerd" in page and "Alle facturen" in page  # still the open ones only
    unfiltered = staff.post(f"/beheer/cursussen/facturen/{enrollment.invoice_id}/betaald", data={"paid": "0"})
    assert unfiltered.headers["Location"] == "/beheer/cursussen/facturen"

"""The enrolment confirmation carries the invoice as a PDF; the message archive (Digitaal Dossier) keeps that file."""

import io

from pypdf import PdfReader
from sqlalchemy import select

from tests.factories import login
from webapp.courses.models import Enrollment, Message
from webapp.extensions import db


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_confirmation_mail_attaches_the_invoice_and_the_archive_shows_it(client, factory, outbox, make_event):
    organisation = factory.organisation("Herenbos Schagen", street="Herenweg", house_number="12", city="Schagen")
    martin = factory.user("martin@herenbos.example", first_name="Martin", last_name="Sommer")
    factory.member(martin, organisation, role="employee")
    event = make_event(places=1, price_cents=25000)
    login(client, martin.email, organisation=organisation.id)
    assert (
        client.post(f"/cursussen/evenement/{event.id}/inschrijven", data={"debtor_reference": "PO-42"}).status_code
        == 303
    )
    invoice = db.session.execute(select(Enrollment)).scalar_one().invoice

    [mail] = outbox.to(martin.email)
    [part] = list(mail.iter_attachments())
    assert part.get_filename() == f"factuur-{invoice.number}.pdf" and part.get_content_type() == "application/pdf"
    mailed = part.get_content()
    text = pdf_text(mailed)
    assert f"Factuur {invoice.number}" in text and "€ 302,50" in text and "Herenbos Schagen" in text and "PO-42" in text
    assert "als PDF bijgevoegd" in mail.get_body(preferencelist=("plain",)).get_content()

    archive = client.get("/mijn-onderwijsgroep/dossier").get_data(as_text=True)
    row = archive.split("Bevestiging inschrijving", 1)[1].split("</tr>", 1)[0]
    assert "<td>1</td>" in row  # one attachment
    message = db.session.execute(select(Message)).scalar_one()
    page = client.get(f"/mijn-onderwijsgroep/dossier/{message.id}").get_data(as_text=True)
    assert f"factuur-{invoice.number}.pdf" in page
    [attachment] = message.attachments
    download = client.get(f"/mijn-onderwijsgroep/dossier/{message.id}/bijlage/{attachment.id}")
    assert download.status_code == 200 and download.data == mailed  # the very file that was mailed


def test_a_waiting_place_has_no_invoice_attached(client, factory, outbox, make_event):
    event = make_event(places=0)
    person = factory.user("wacht@example.nl")
    login(client, person.email)
    assert client.post(f"/cursussen/evenement/{event.id}/inschrijven", data={"waiting_list": "y"}).status_code == 303
    [mail] = outbox.to(person.email)
    assert "Wachtlijst" in mail["Subject"] and not list(mail.iter_attachments())

"""Cancelling before the event credits the invoice: a creditfactuur the customer sees under Facturen
(and can open as a PDF) and receives by mail with the confirmation of the cancellation, the
original marked as credited; nothing to credit for a waiting place."""

import io

from pypdf import PdfReader
from sqlalchemy import select

from tests.factories import acting_as, login
from webapp.courses import services
from webapp.courses.models import Enrollment, Invoice
from webapp.extensions import db


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_cancelling_credits_the_invoice_and_the_customer_sees_it(client, factory, outbox, make_event, settle):
    person = factory.user(
        "jan.visser@example.nl",
        first_name="Jan",
        last_name="Visser",
        street="Dorpsstraat",
        house_number="3",
        postcode="1741 AB",
        city="Schagen",
    )
    event = make_event(places=1, price_cents=25000)
    login(client, person.email)
    assert (
        client.post(f"/cursussen/evenement/{event.id}/inschrijven", data={"debtor_reference": "PO-9"}).status_code
        == 303
    )
    enrollment = db.session.execute(select(Enrollment)).scalar_one()
    original = enrollment.invoice
    settle()  # confirmed before it is cancelled

    response = client.post(f"/cursussen/inschrijving/{enrollment.id}/afmelden", follow_redirects=True)
    page = response.get_data(as_text=True)
    db.session.expire_all()
    note = db.session.execute(select(Invoice).where(Invoice.credit_for_id == original.id)).scalar_one()
    assert f"gecrediteerd met creditfactuur {note.number}" in page
    assert (note.subtotal_cents, note.vat_cents, note.total_cents) == (-25000, -5250, -30250)
    assert note.debtor_user_id == person.id and note.debtor_reference == "PO-9"

    invoices = client.get("/mijn-onderwijsgroep/facturen").get_data(as_text=True)
    assert f"Gecrediteerd (creditfactuur {note.number})" in invoices
    assert f"Verrekend met factuur {original.number}" in invoices
    assert "-€ 302,50" in invoices and "€ 302,50" in invoices
    assert "Openstaand" not in invoices  # nothing left to pay
    text = pdf_text(client.get(f"/mijn-onderwijsgroep/facturen/{note.id}.pdf").data)
    assert f"Creditfactuur {note.number}" in text and original.number in text and "-€ 302,50" in text
    assert "niet meer te betalen" in text
    text = pdf_text(client.get(f"/mijn-onderwijsgroep/facturen/{original.id}.pdf").data)
    assert f"gecrediteerd met creditfactuur {note.number}" in text

    # The cancellation is confirmed by mail with the credit note attached, and kept in the message archive.
    mail = outbox.to(person.email)[-1]
    assert mail["Subject"] == f"Afmelding bevestigd: {event.name}"
    assert f"Creditfactuur: {note.number}, voor factuur {original.number}" in mail.get_body(("plain",)).get_content()
    attachment = next(mail.iter_attachments())
    assert attachment.get_filename() == f"creditfactuur-{note.number}.pdf"
    assert f"Creditfactuur {note.number}" in pdf_text(attachment.get_content())
    assert "Afmelding bevestigd" in client.get("/mijn-onderwijsgroep/dossier").get_data(as_text=True)

    # Cancelling twice changes nothing; a second customer sees none of it.
    client.post(f"/cursussen/inschrijving/{enrollment.id}/afmelden")
    assert len(db.session.execute(select(Invoice).where(Invoice.credit_for_id.is_not(None))).all()) == 1
    other = factory.user("ander@example.nl")
    client.post("/uitloggen")
    login(client, other.email)
    assert client.get(f"/mijn-onderwijsgroep/facturen/{note.id}.pdf").status_code == 404


def test_paid_invoice_credit_note_is_refunded_and_waiting_place_has_nothing_to_credit(app, factory, make_event):
    people = [factory.user(f"p{i}@example.nl", first_name="P", last_name=str(i)) for i in range(3)]
    staff = acting_as(factory.user("beheer@loket.example", is_staff=True))
    event = make_event(places=1)
    first = services.enrol(acting_as(people[0]), event.id)
    waiting = services.enrol(acting_as(people[1]), event.id, waiting_list=True)
    services.mark_paid(staff, first.invoice_id)
    services.cancel(acting_as(people[1]), waiting.id)  # a waiting place: no invoice, nothing to credit
    db.session.commit()
    assert db.session.execute(select(Invoice).where(Invoice.credit_for_id.is_not(None))).first() is None
    services.cancel(acting_as(people[0]), first.id)
    db.session.commit()
    note = db.session.execute(select(Invoice).where(Invoice.credit_for_id == first.invoice_id)).scalar_one()
    assert note.status_label == "Wordt terugbetaald"
    services.mark_paid(staff, note.id)
    db.session.commit()
    assert note.status_label.startswith("Terugbetaald op")
    [mine] = services.invoices(acting_as(people[0]))[1:]  # newest first: the credit note, then the invoice
    assert mine.id == first.invoice_id and mine.status_label.startswith("Gecrediteerd")

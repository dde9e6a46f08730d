"""Enrolment rules, invoices and the dossier, on SQLite and PostgreSQL."""
import pytest
from sqlalchemy import func, select

from tests.courses.helpers import make_event
from webapp.core.errors import DomainError, NotFound
from webapp.courses import services
from webapp.courses.models import Enrollment, Invoice, Message
from webapp.courses.services import Actor
from webapp.extensions import db


def count(model, *where):
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


@pytest.fixture
def people(factory):
    herenbos = factory.organisation("Herenbos Schagen", street="Herenweg", house_number="12", postcode="1741 AA", city="Schagen")
    other = factory.organisation("Gemeente Hoorn")
    deby = factory.user("deby@herenbos.example", first_name="Deby", last_name="Rummens - Heijnen",
                        street="Molenstraat", house_number="4", postcode="1741 BC", city="Schagen")
    martin = factory.user("martin@herenbos.example", first_name="Martin", last_name="Sommer")
    outsider = factory.user("buiten@hoorn.example", first_name="Olga", last_name="Buiten")
    factory.member(deby, herenbos, role="admin")
    factory.member(martin, herenbos, role="employee")
    factory.member(outsider, other, role="admin")
    return dict(herenbos=herenbos, other=other, deby=deby, martin=martin, outsider=outsider)


def test_person_enrols_and_is_invoiced_personally(app, people, outbox):
    event = make_event()
    deby = people["deby"]
    enrollment = services.enrol(Actor(deby.id), event.id, debtor_reference="PO-77")
    assert enrollment.status == "enrolled"
    invoice = enrollment.invoice
    assert invoice.debtor_user_id == deby.id and invoice.debtor_organisation_id is None
    assert invoice.debtor_street == "Molenstraat 4" and invoice.debtor_city == "Schagen"
    assert invoice.debtor_reference == "PO-77"
    assert (invoice.subtotal_cents, invoice.vat_cents, invoice.total_cents) == (25000, 5250, 30250)
    assert invoice.number.startswith(str(invoice.issued_on.year))
    [mail] = outbox.to(deby.email)
    assert "Bevestiging inschrijving" in mail["Subject"]
    assert "LV Optimaal bespuiten (VT)" in mail.get_body().get_content()
    assert enrollment.confirmation_sent_at is not None
    [message] = services.messages(Actor(deby.id))
    assert message.kind == "confirmation" and message.invoice_id == invoice.id
    assert services.available_places(event) == 9
    # A change of address is what the next invoice uses; the old invoice keeps the old one.
    deby.street = "Nieuweweg"
    db.session.commit()
    second = services.enrol(Actor(deby.id), make_event(name="Tweede").id)
    assert second.invoice.debtor_street == "Nieuweweg 4"
    assert db.session.get(Invoice, invoice.id).debtor_street == "Molenstraat 4"


def test_employee_enrols_and_organisation_is_invoiced(app, people, outbox):
    event = make_event()
    martin, herenbos = people["martin"], people["herenbos"]
    actor = Actor(martin.id, herenbos.id, is_admin=False)
    enrollment = services.enrol(actor, event.id)
    invoice = enrollment.invoice
    assert invoice.debtor_organisation_id == herenbos.id and invoice.debtor_user_id is None
    assert invoice.debtor_name == "Herenbos Schagen" and invoice.debtor_attention == "Martin Sommer"
    assert invoice.debtor_street == "Herenweg 12"
    assert outbox.to(martin.email)
    # The employee without the courses mandate does not see the organisation's invoices; the admin does.
    assert services.invoices(actor) == []
    with pytest.raises(NotFound):
        services.get_invoice(actor, invoice.id)
    admin = Actor(people["deby"].id, herenbos.id, is_admin=True, may_courses=True)
    assert services.get_invoice(admin, invoice.id) == invoice
    assert [m.subject for m in services.messages(admin)] == [f"Bevestiging inschrijving: {event.name}"]


def test_admin_enrols_a_linked_person_not_an_outsider(app, people, outbox):
    event = make_event()
    herenbos = people["herenbos"]
    admin = Actor(people["deby"].id, herenbos.id, is_admin=True, may_courses=True)
    enrollment = services.enrol(admin, event.id, people["martin"].id)
    assert enrollment.participant_id == people["martin"].id and enrollment.enrolled_by_id == people["deby"].id
    assert outbox.to(people["martin"].email)
    with pytest.raises(DomainError, match="niet gekoppeld"):
        services.enrol(admin, event.id, people["outsider"].id)
    # An employee cannot enrol others.
    with pytest.raises(DomainError, match="beheerder"):
        services.enrol(Actor(people["martin"].id, herenbos.id), event.id, people["deby"].id)
    # A person acting in their own name cannot either.
    with pytest.raises(DomainError):
        services.enrol(Actor(people["deby"].id), event.id, people["martin"].id)
    assert count(Enrollment) == 1 and count(Invoice) == 1


def test_no_double_enrolment_and_past_event_refused(app, people):
    event = make_event()
    deby = Actor(people["deby"].id)
    services.enrol(deby, event.id)
    with pytest.raises(DomainError, match="al ingeschreven"):
        services.enrol(deby, event.id)
    past = make_event(days=-3, name="Voorbij")
    with pytest.raises(DomainError, match="niet meer mogelijk"):
        services.enrol(deby, past.id)
    assert count(Enrollment) == 1 and count(Invoice) == 1


def test_custom_course_only_for_its_organisations_admins(app, people):
    herenbos = people["herenbos"]
    event = make_event(custom_for=herenbos, name="LV Bedreigingen openbaar groen")
    with pytest.raises(NotFound):
        services.enrol(Actor(people["outsider"].id, people["other"].id, is_admin=True), event.id)
    with pytest.raises(NotFound):
        services.enrol(Actor(people["martin"].id, herenbos.id), event.id)
    with pytest.raises(NotFound):
        services.enrol(Actor(people["deby"].id), event.id)
    assert services.upcoming_events()[0] == []  # not in the public agenda
    admin = Actor(people["deby"].id, herenbos.id, is_admin=True)
    assert services.enrol(admin, event.id, people["martin"].id).status == "enrolled"
    courses, enrollments = services.organisation_overview(admin)
    assert [c.name for c in courses] == [event.course.name] and len(enrollments) == 1


def test_full_event_waiting_list_and_freed_place(app, people, outbox):
    event = make_event(places=1)
    deby, martin = people["deby"], people["martin"]
    first = services.enrol(Actor(deby.id), event.id)
    with pytest.raises(DomainError, match="vol"):
        services.enrol(Actor(martin.id), event.id)
    waiting = services.enrol(Actor(martin.id), event.id, waiting_list=True)
    assert waiting.status == "waiting" and waiting.invoice_id is None
    assert "Wachtlijst" in outbox.to(martin.email)[-1]["Subject"]
    services.cancel(Actor(deby.id), first.id)
    db.session.refresh(waiting)
    assert waiting.status == "enrolled" and waiting.invoice is not None
    assert "vrijgekomen" in outbox.to(martin.email)[-1]["Subject"]
    assert services.available_places(event) == 0
    # Someone else cannot cancel Martin's place.
    with pytest.raises(NotFound):
        services.cancel(Actor(deby.id), waiting.id)
    # Re-enrolling after a cancellation reuses the row (unique per person and event): waiting list.
    again = services.enrol(Actor(deby.id), event.id, waiting_list=True)
    assert again.id == first.id and again.status == "waiting"


def test_others_invoices_and_messages_are_not_found(app, people):
    event = make_event()
    enrollment = services.enrol(Actor(people["deby"].id), event.id)
    message = services.messages(Actor(people["deby"].id))[0]
    stranger = Actor(people["outsider"].id)
    stranger_org = Actor(people["outsider"].id, people["other"].id, is_admin=True, may_courses=True)
    for actor in (stranger, stranger_org, Actor(people["deby"].id, people["herenbos"].id, is_admin=True, may_courses=True)):
        with pytest.raises(NotFound):
            services.get_invoice(actor, enrollment.invoice_id)
        with pytest.raises(NotFound):
            services.get_message(actor, message.id)
    assert services.get_message(Actor(people["deby"].id), message.id) == message


def test_backoffice_invitation_result_and_payment(app, people, outbox):
    event = make_event()
    enrollment = services.enrol(Actor(people["deby"].id), event.id)
    assert services.send_invitations(event.id) == 1
    assert services.send_invitations(event.id) == 0
    assert "Uitnodiging" in outbox.to(people["deby"].email)[-1]["Subject"]
    services.record_result(enrollment.id, "Afgerond", True)
    services.mark_paid(enrollment.invoice_id)
    [row] = services.my_course_rows(Actor(people["deby"].id))
    assert row.result == "Afgerond" and row.attended and row.invitation_sent_at and enrollment.invoice.is_paid
    assert count(Message, Message.kind == "invitation") == 1
    message = services.send_message(people["deby"], None, "Uw certificaat", "Bijgaand uw certificaat.",
                                    attachments=[("certificaat.txt", "text/plain", b"Afgerond")])
    attachment = services.get_attachment(Actor(people["deby"].id), message.id, message.attachments[0].id)
    assert attachment.data == b"Afgerond"
    with pytest.raises(NotFound):
        services.get_attachment(Actor(people["martin"].id), message.id, attachment.id)

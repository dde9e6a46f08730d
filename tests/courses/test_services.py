"""Enrolment rules, invoices and the message archive, on SQLite and PostgreSQL. Services never commit:
the tests commit where a request would, which is when the confirmation mail leaves."""

import pytest
from sqlalchemy import func, select

from tests.factories import acting_as
from webapp.core.errors import DomainError, NotFound
from webapp.core.timeutil import today_local
from webapp.courses import services
from webapp.courses.models import Enrollment, Invoice, Message
from webapp.extensions import db


def count(model, *where):
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def committed(result):
    db.session.commit()
    return result


@pytest.fixture
def people(factory):
    herenbos = factory.organisation(
        "Herenbos Schagen", street="Herenweg", house_number="12", postcode="1741 AA", city="Schagen"
    )
    other = factory.organisation("Gemeente Hoorn")
    deby = factory.user(
        "deby@herenbos.example",
        first_name="Deby",
        last_name="Rummens - Heijnen",
        street="Molenstraat",
        house_number="4",
        postcode="1741 BC",
        city="Schagen",
    )
    martin = factory.user("martin@herenbos.example", first_name="Martin", last_name="Sommer")
    outsider = factory.user("buiten@hoorn.example", first_name="Olga", last_name="Buiten")
    staff = factory.user("beheer@loket.example", is_staff=True)
    factory.member(deby, herenbos, role="admin")
    factory.member(martin, herenbos, role="employee")
    factory.member(outsider, other, role="admin")
    return dict(herenbos=herenbos, other=other, deby=deby, martin=martin, outsider=outsider, staff=staff)


def test_person_enrols_and_is_invoiced_personally(app, people, outbox, make_event, settle):
    event = make_event()
    deby = people["deby"]
    enrollment = committed(services.enrol(acting_as(deby), event.id, debtor_reference="PO-77"))
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
    settle()
    assert enrollment.confirmation_sent_at is not None
    [message] = services.archived_messages(acting_as(deby))
    assert message.kind == "confirmation" and message.invoice_id == invoice.id
    assert services.available_places(event) == 9
    # A change of address is what the next invoice uses; the old invoice keeps the old one.
    deby.street = "Nieuweweg"
    db.session.commit()
    second = committed(services.enrol(acting_as(deby), make_event(name="Tweede").id))
    assert second.invoice.debtor_street == "Nieuweweg 4"
    assert db.session.get(Invoice, invoice.id).debtor_street == "Molenstraat 4"


def test_employee_enrols_and_organisation_is_invoiced(app, people, outbox, make_event):
    event = make_event()
    martin, herenbos = people["martin"], people["herenbos"]
    employee = acting_as(martin, herenbos)
    enrollment = committed(services.enrol(employee, event.id))
    invoice = enrollment.invoice
    assert invoice.debtor_organisation_id == herenbos.id and invoice.debtor_user_id is None
    assert invoice.debtor_name == "Herenbos Schagen" and invoice.debtor_attention == "Martin Sommer"
    assert invoice.debtor_street == "Herenweg 12"
    assert outbox.to(martin.email)
    # The employee without the courses mandate does not see the organisation's invoices; the admin does.
    assert services.invoices(employee) == []
    with pytest.raises(NotFound):
        services.get_invoice(employee, invoice.id)
    admin = acting_as(people["deby"], herenbos)
    assert services.get_invoice(admin, invoice.id) == invoice
    assert [m.subject for m in services.archived_messages(admin)] == [f"Bevestiging inschrijving: {event.name}"]


def test_admin_enrols_a_linked_person_not_an_outsider(app, people, outbox, make_event):
    event = make_event()
    herenbos = people["herenbos"]
    admin = acting_as(people["deby"], herenbos)
    enrollment = committed(services.enrol(admin, event.id, people["martin"].id))
    assert enrollment.participant_id == people["martin"].id and enrollment.enrolled_by_id == people["deby"].id
    assert outbox.to(people["martin"].email)
    with pytest.raises(DomainError, match="niet gekoppeld"):
        services.enrol(admin, event.id, people["outsider"].id)
    # An employee cannot enrol others.
    with pytest.raises(DomainError, match="beheerder"):
        services.enrol(acting_as(people["martin"], herenbos), event.id, people["deby"].id)
    # A person acting in their own name cannot either.
    with pytest.raises(DomainError):
        services.enrol(acting_as(people["deby"]), event.id, people["martin"].id)
    assert count(Enrollment) == 1 and count(Invoice) == 1
    # The form shows the admin's colleagues by name, never an outsider's.
    assert services.chosen_participant(admin, people["martin"].id) == people["martin"]
    assert services.chosen_participant(admin, people["outsider"].id) is None
    assert services.chosen_participant(acting_as(people["martin"], herenbos), people["deby"].id) is None


def test_no_double_enrolment_and_past_event_refused(app, people, make_event):
    event = make_event()
    deby = acting_as(people["deby"])
    committed(services.enrol(deby, event.id))
    with pytest.raises(DomainError, match="al ingeschreven"):
        services.enrol(deby, event.id)
    past = make_event(days=-3, name="Voorbij")
    with pytest.raises(DomainError, match="niet meer mogelijk"):
        services.enrol(deby, past.id)
    assert count(Enrollment) == 1 and count(Invoice) == 1


def test_custom_course_only_for_its_organisations_admins(app, people, make_event):
    herenbos = people["herenbos"]
    event = make_event(custom_for=herenbos, name="LV Bedreigingen openbaar groen")
    with pytest.raises(NotFound):
        services.enrol(acting_as(people["outsider"], people["other"]), event.id)
    with pytest.raises(NotFound):
        services.enrol(acting_as(people["martin"], herenbos), event.id)
    with pytest.raises(NotFound):
        services.enrol(acting_as(people["deby"]), event.id)
    assert services.upcoming_events()[0] == []  # not in the public agenda
    admin = acting_as(people["deby"], herenbos)
    assert committed(services.enrol(admin, event.id, people["martin"].id)).status == "enrolled"
    courses, enrollments = services.organisation_overview(admin)
    assert [c.name for c in courses] == [event.course.name] and len(enrollments) == 1


def test_full_event_waiting_list_and_freed_place(app, people, outbox, make_event, settle):
    event = make_event(places=1)
    deby, martin = people["deby"], people["martin"]
    first = committed(services.enrol(acting_as(deby), event.id))
    with pytest.raises(DomainError, match="vol"):
        services.enrol(acting_as(martin), event.id)
    waiting = committed(services.enrol(acting_as(martin), event.id, waiting_list=True))
    assert waiting.status == "waiting" and waiting.invoice_id is None
    assert "Wachtlijst" in outbox.to(martin.email)[-1]["Subject"]
    committed(services.cancel(acting_as(deby), first.id))
    assert "vrijgekomen" in outbox.to(martin.email)[-1]["Subject"]
    settle()
    assert waiting.status == "enrolled" and waiting.invoice is not None and waiting.confirmation_sent_at is not None
    assert services.available_places(event) == 0
    # Someone else cannot cancel Martin's place.
    with pytest.raises(NotFound):
        services.cancel(acting_as(deby), waiting.id)
    # Re-enrolling after a cancellation reuses the row (unique per person and event): waiting list.
    again = committed(services.enrol(acting_as(deby), event.id, waiting_list=True))
    assert again.id == first.id and again.status == "waiting"


def test_others_invoices_and_messages_are_not_found(app, people, make_event, settle):
    event = make_event()
    enrollment = committed(services.enrol(acting_as(people["deby"]), event.id))
    settle()
    message = services.archived_messages(acting_as(people["deby"]))[0]
    stranger = acting_as(people["outsider"])
    stranger_org = acting_as(people["outsider"], people["other"])
    for context in (stranger, stranger_org, acting_as(people["deby"], people["herenbos"])):
        with pytest.raises(NotFound):
            services.get_invoice(context, enrollment.invoice_id)
        with pytest.raises(NotFound):
            services.get_message(context, message.id)
    assert services.get_message(acting_as(people["deby"]), message.id) == message


def test_backoffice_invitation_result_and_payment(app, people, outbox, make_event, settle):
    event = make_event()
    staff = acting_as(people["staff"])
    enrollment = committed(services.enrol(acting_as(people["deby"]), event.id))
    settle()  # confirmed before the invitations go
    assert committed(services.send_invitations(staff, event.id)) == 1
    assert committed(services.send_invitations(staff, event.id)) == 0
    assert "Uitnodiging" in outbox.to(people["deby"].email)[-1]["Subject"]
    with pytest.raises(DomainError, match="pas vastleggen als het evenement begonnen is"):
        services.record_result(staff, enrollment.id, "Afgerond", True)
    event.starts_on = today_local()  # the day has come
    db.session.commit()
    services.record_result(staff, enrollment.id, "Afgerond", True)
    services.mark_paid(staff, enrollment.invoice_id)
    db.session.commit()
    settle()
    [row] = services.my_course_rows(acting_as(people["deby"]))
    assert row.result == "Afgerond" and row.attended and row.invitation_sent_at and enrollment.invoice.is_paid
    assert count(Message, Message.kind == "invitation") == 1
    message = committed(
        services.send_archive_message(
            staff,
            person_email=people["deby"].email,
            subject="Uw certificaat",
            body="Bijgaand uw certificaat.",
            attachments=[("certificaat.txt", "text/plain", b"Afgerond")],
        )
    )
    attachment = services.get_attachment(acting_as(people["deby"]), message.id, message.attachments[0].id)
    assert attachment.data == b"Afgerond"
    with pytest.raises(NotFound):
        services.get_attachment(acting_as(people["martin"]), message.id, attachment.id)


def test_staff_work_is_for_staff_only(app, people, make_event):
    event = make_event()
    enrollment = committed(services.enrol(acting_as(people["martin"]), event.id))
    staff_work = [
        (services.send_invitations, (event.id,), {}),
        (services.record_result, (enrollment.id, "Afgerond", True), {}),
        (services.mark_paid, (enrollment.invoice_id,), {}),
        (services.all_invoices, (), {}),
        (services.send_archive_message, (), dict(person_email=people["martin"].email, subject="Nep", body="Nep")),
    ]
    for context in (acting_as(people["deby"], people["herenbos"]), acting_as(people["martin"])):
        for service, args, kwargs in staff_work:
            with pytest.raises(NotFound):
                service(context, *args, **kwargs)
    db.session.commit()
    db.session.expire_all()
    assert enrollment.result == "" and enrollment.invitation_sent_at is None and not enrollment.invoice.is_paid
    assert count(Message, Message.kind != "confirmation") == 0

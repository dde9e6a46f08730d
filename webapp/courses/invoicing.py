"""How invoices and credit notes (creditfacturen) are made, numbered, priced and printed.

Who may see or change them is the services' business; these functions only build. An invoice is
never changed or deleted once issued: a cancelled place is credited by a credit note.
"""

import uuid
from datetime import timedelta
from types import SimpleNamespace

from flask import current_app
from stdnum import iban

from webapp.accounts.models import Organisation
from webapp.core.pdf import render_pdf
from webapp.core.timeutil import today_local
from webapp.courses.models import Enrollment, Invoice, InvoiceLine
from webapp.extensions import db


def issue_invoice(enrollment: Enrollment) -> Invoice:
    """The invoice for one enrolled place, attached to the enrolment: to the organisation the participant
    was enrolled for, or to the participant as a person, with the debtor's address as it is now."""
    event, participant = enrollment.event, enrollment.participant
    issued_on = today_local()
    invoice = Invoice(
        issued_on=issued_on,
        due_on=issued_on + timedelta(days=current_app.config["INVOICE_PAYMENT_DAYS"]),
        debtor_reference=enrollment.debtor_reference,
        **_debtor(enrollment),
    )
    line = InvoiceLine(
        description=f"{event.course.name}: {event.name} ({event.starts_on:%d-%m-%Y}), deelnemer {participant.full_name}",
        quantity=1,
        unit_price_cents=event.price_cents,
        vat_rate=event.vat_rate,
        amount_cents=event.price_cents,
    )
    invoice.lines.append(line)
    invoice.subtotal_cents = line.amount_cents
    invoice.vat_cents = round(line.amount_cents * line.vat_rate / 100)
    invoice.total_cents = invoice.subtotal_cents + invoice.vat_cents
    _number(invoice)
    enrollment.invoice = invoice
    return invoice


def _debtor(enrollment: Enrollment) -> dict:
    participant = enrollment.participant
    if enrollment.organisation_id is not None:
        organisation = db.session.get(Organisation, enrollment.organisation_id)
        return dict(
            debtor_organisation_id=organisation.id,
            debtor_name=organisation.name,
            debtor_attention=participant.full_name,
            debtor_street=f"{organisation.street} {organisation.house_number}".strip(),
            debtor_postcode=organisation.postcode,
            debtor_city=organisation.city,
        )
    return dict(
        debtor_user_id=participant.id,
        debtor_name=participant.formal_name or participant.full_name,
        debtor_street=f"{participant.street} {participant.house_number}".strip(),
        debtor_postcode=participant.postcode,
        debtor_city=participant.city,
    )


def credit_note(invoice: Invoice) -> Invoice | None:
    """A credit note for the whole invoice: the same debtor, its lines with negative amounts. An invoice
    is credited once (None when it was, or is itself a credit note)."""
    if invoice.credit_for_id is not None or invoice.credit_notes:
        return None
    lines = [
        InvoiceLine(
            description=f"Creditering: {line.description}",
            quantity=line.quantity,
            unit_price_cents=-line.unit_price_cents,
            vat_rate=line.vat_rate,
            amount_cents=-line.amount_cents,
        )
        for line in invoice.lines
    ]
    note = Invoice(
        issued_on=today_local(),
        lines=lines,
        credit_for=invoice,
        debtor_user_id=invoice.debtor_user_id,
        debtor_organisation_id=invoice.debtor_organisation_id,
        debtor_name=invoice.debtor_name,
        debtor_attention=invoice.debtor_attention,
        debtor_street=invoice.debtor_street,
        debtor_postcode=invoice.debtor_postcode,
        debtor_city=invoice.debtor_city,
        debtor_reference=invoice.debtor_reference,
        subtotal_cents=-invoice.subtotal_cents,
        vat_cents=-invoice.vat_cents,
        total_cents=-invoice.total_cents,
    )
    _number(note)
    return note


def _number(invoice: Invoice) -> None:
    """Store the invoice and number it: the year it was issued and its id (unique, without a counter
    of our own). The number column is unique and required, so a placeholder goes in first."""
    invoice.number = f"tmp-{uuid.uuid4().hex[:12]}"
    db.session.add(invoice)
    db.session.flush()
    invoice.number = f"{invoice.issued_on.year}{invoice.id:06d}"


def file_name(invoice: Invoice) -> str:
    return f"{'creditfactuur' if invoice.is_credit_note else 'factuur'}-{invoice.number}.pdf"


def pdf(invoice: Invoice) -> bytes:
    return render_pdf("courses/invoice_pdf.html", invoice=invoice, supplier=supplier())


def supplier() -> SimpleNamespace:
    """Who sends the invoices and where they are paid, as printed (the settings INVOICE_*)."""
    config = current_app.config
    return SimpleNamespace(
        name=config["INVOICE_SUPPLIER_NAME"],
        address=config["INVOICE_SUPPLIER_ADDRESS"],
        contact=config["INVOICE_SUPPLIER_CONTACT"],
        iban=iban.format(config["INVOICE_IBAN"]),
        kvk=config["INVOICE_KVK"],
        vat_number=config["INVOICE_VAT_NUMBER"],
    )


def format_euro(cents: int | None) -> str:
    cents = cents or 0
    whole, rest = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}€ {whole:,}".replace(",", ".") + f",{rest:02d}"

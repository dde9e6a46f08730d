"""The invoice and the credit note as the customer prints them: every font embedded, every word on the
page and inside its margins, amounts right-aligned in their columns, the description given the room, one
"Totaal", a due date and the supplier's payment details; a credit note asks for no payment.

Read from the PDF as poppler lays it out (pdftotext -bbox for the words, pdftoppm for the rule under
the column headings), so what is asserted is where things land on the page, not only the text."""

import os
import re
import shutil
import subprocess
import tempfile
from datetime import timedelta

import pytest

from tests.components import require
from webapp.courses import invoicing
from webapp.courses.models import Enrollment
from webapp.extensions import db

CM = 72 / 2.54
MARGIN = 2 * CM  # every word lies at least this far from each edge of the A4 page
WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>|<page width="([\d.]+)" height="([\d.]+)">'
)


def poppler(tool: str, *args: str, data: bytes) -> bytes:
    """What a poppler tool prints (to standard output) for this PDF."""
    require(shutil.which(tool) is not None, tool, "the Debian package poppler-utils")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "document.pdf")
        with open(path, "wb") as file:
            file.write(data)
        output = ["-"] if tool == "pdftotext" else []
        return subprocess.run([tool, *args, path, *output], capture_output=True, check=True).stdout


class Page:
    """The first page's size and words (text, x0, y0, x1, y1 in points from the top left)."""

    def __init__(self, data: bytes):
        self.data = data
        self.words = []
        for match in WORD.finditer(poppler("pdftotext", "-bbox", "-f", "1", "-l", "1", data=data).decode()):
            if match[6]:
                self.width, self.height = float(match[6]), float(match[7])
            else:
                self.words.append((match[5], *map(float, match.group(1, 2, 3, 4))))

    def find(self, text: str, after: float = 0) -> tuple:
        """The first word `text` at or below `after` (its top edge)."""
        return next(word for word in self.words if word[0] == text and word[2] >= after)

    def line(self, word: tuple) -> list[tuple]:
        """The words on the same line as `word`, left to right."""
        return sorted((w for w in self.words if abs(w[4] - word[4]) < 1), key=lambda w: w[1])

    def line_text(self, text: str) -> str:
        """The line that the word `text` stands on."""
        return " ".join(word[0] for word in self.line(self.find(text)))

    def text(self) -> str:
        return " ".join(word[0] for word in self.words)

    def dark_rows(self, x0: float, x1: float) -> list[int]:
        """The rows (points from the top) where the page, rendered at 72 dpi, is dark from x0 to x1: rules."""
        pgm = poppler("pdftoppm", "-gray", "-r", "72", "-f", "1", "-l", "1", data=self.data)
        header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", pgm)
        width, height = int(header[1]), int(header[2])
        pixels = pgm[header.end() :]
        rows = []
        for y in range(height):
            row = pixels[y * width + int(x0) + 1 : y * width + int(x1) - 1]
            if row and max(row) < 160:
                rows.append(y)
        return rows


@pytest.fixture
def invoice(factory, make_event):
    organisation = factory.organisation(
        "ROC Kop van Noord-Holland", street="Oostwijkstraat", house_number="16", postcode="1784 AB", city="Den Helder"
    )
    participant = factory.user("jan.visser@example.nl", first_name="Jan", last_name="Visser")
    event = make_event(price_cents=17500)
    enrollment = Enrollment(
        event=event, participant=participant, organisation_id=organisation.id, debtor_reference="PO-815"
    )
    db.session.add(enrollment)
    invoice = invoicing.issue_invoice(enrollment)
    db.session.commit()
    return invoice


def cells_of(line: list[tuple]) -> list[list[tuple]]:
    """A line's words grouped into cells: words closer than a few points belong together."""
    cells = [[line[0]]]
    for word in line[1:]:
        if word[1] - cells[-1][-1][3] > 6:
            cells.append([word])
        else:
            cells[-1].append(word)
    return cells


def assert_laid_out(page: Page, amounts: list[str]) -> None:
    """What both an invoice and a credit note must look like on paper."""
    # Every word on the page and inside its margins.
    for text, x0, y0, x1, y1 in page.words:
        assert MARGIN - 0.5 <= x0 and x1 <= page.width - MARGIN + 0.5, f"{text!r} runs into the side margin"
        assert MARGIN - 0.5 <= y0 and y1 <= page.height - MARGIN + 0.5, f"{text!r} runs into the top or bottom margin"

    # The column headings and, under them, the rule; the line's first row starts below the rule.
    heading = page.find("Omschrijving")
    columns = {name: page.find(name, heading[2]) for name in ("Aantal", "Prijs", "Btw", "Bedrag")}
    assert all(abs(word[4] - heading[4]) < 1 for word in columns.values()), "the headings share one line"
    description = page.find("Licentieverlenging")
    rules = [y for y in page.dark_rows(heading[1], columns["Bedrag"][3]) if heading[4] - 1 <= y <= description[4]]
    assert rules, "a rule runs under the column headings"
    assert heading[4] <= min(rules) and max(rules) < description[2] - 1, (
        "the first line of the description clears the rule"
    )

    # The description has the room: its first line level with the row's amounts and 7.5 cm wide or more
    # (not squeezed to a word a line), three lines at most.
    row = page.line(description)
    cells = cells_of(row)
    assert cells[0][-1][3] - cells[0][0][1] >= 7.5 * CM, "the description's first line has the room"
    below = [w for w in page.words if description[2] <= w[2] < page.find("Subtotaal")[2]]
    assert len({round(w[4]) for w in below if w[3] < columns["Aantal"][1]}) <= 3, (
        "the description takes 3 lines at most"
    )

    # Each amount right-aligned in its column: its right edge on the heading's, clear of the column to its left.
    assert len(cells) == 5 and cells[-1][-1][0] == amounts[0].split()[-1], "the row's cells stand on one line"
    assert cells[0][-1][3] < columns["Aantal"][1] - 2, "the description stays out of the Aantal column"
    for cell, column, left in zip(
        cells[1:],
        ("Aantal", "Prijs", "Btw", "Bedrag"),
        ("Omschrijving", "Aantal", "Prijs", "Btw"),
        strict=True,
    ):
        assert abs(cell[-1][3] - columns[column][3]) < 1, f"the {column} cell is right-aligned under its heading"
        assert cell[0][1] > (columns[left][3] if left != "Omschrijving" else cells[0][-1][3]) + 2, (
            f"{column} overlaps {left}"
        )

    # The totals: amounts under Bedrag, one "Totaal", on the total line, followed by the total only.
    for label, amount in zip(("Subtotaal", "Btw", "Totaal"), amounts[1:], strict=True):
        line = page.line(page.find(label, page.find("Subtotaal")[2]))
        assert " ".join(w[0] for w in line) == f"{label} {amount}"
        assert abs(line[-1][3] - columns["Bedrag"][3]) < 1, f"the {label} amount is right-aligned under Bedrag"
        assert line[-2][1] > columns["Btw"][3] + 2, f"the {label} amount stays in the Bedrag column"
    assert [w[0] for w in page.words].count("Totaal") == 1


def test_every_font_of_the_invoice_and_its_credit_note_is_embedded(invoice):
    note = invoicing.credit_note(invoice)
    db.session.commit()
    for document in (invoice, note):
        report = poppler("pdffonts", data=invoicing.pdf(document)).decode().splitlines()[2:]
        assert report, "the PDF names its fonts"
        for line in report:
            # name, type, encoding, emb, sub, uni, object number, generation: "emb" is fifth from the end
            assert line.split()[-5] == "yes", f"not embedded: {line}"


def test_invoice_page_is_laid_out_with_due_date_and_payment_details(app, invoice):
    page = Page(invoicing.pdf(invoice))
    assert_laid_out(page, ["€ 175,00", "€ 175,00", "€ 36,75", "€ 211,75"])
    text = page.text()
    due = invoice.issued_on + timedelta(days=30)
    assert page.line_text("Vervaldatum") == f"Vervaldatum {due:%d-%m-%Y}"
    assert f"uiterlijk op {due:%d-%m-%Y}" in text and "NL91 ABNA 0417 1643 00" in text and invoice.number in text
    assert "KvK-nummer 12345678" in text and "Btw-nummer NL000099998B57" in text
    assert "Onderwijsgroep Noordwest-Holland Kievitstraat 31, 1781 AB Den Helder" in text


def test_the_supplier_and_payment_term_come_from_the_settings(app, factory, make_event):
    app.config.update(
        INVOICE_SUPPLIER_NAME="Opleidingen Texel B.V.",
        INVOICE_SUPPLIER_ADDRESS="Haven 1, 1791 AA Den Burg",
        INVOICE_SUPPLIER_CONTACT="0222-123456",
        INVOICE_IBAN="NL02ABNA0123456789",
        INVOICE_KVK="87654321",
        INVOICE_VAT_NUMBER="NL000099998B57",
        INVOICE_PAYMENT_DAYS=14,
    )
    person = factory.user("p@example.nl", first_name="Piet", last_name="Jansen", street="Dorp", house_number="1")
    enrollment = Enrollment(event=make_event(), participant=person)
    db.session.add(enrollment)
    invoice = invoicing.issue_invoice(enrollment)
    db.session.commit()
    page = Page(invoicing.pdf(invoice))
    text = page.text()
    assert "Opleidingen Texel B.V. Haven 1, 1791 AA Den Burg 0222-123456" in text
    assert "Onderwijsgroep" not in text and "NL02 ABNA 0123 4567 89" in text and "KvK-nummer 87654321" in text
    due = f"Vervaldatum {invoice.issued_on + timedelta(days=14):%d-%m-%Y}"
    assert page.line_text("Vervaldatum") == due
    # the term is the invoice's: a later change of the setting leaves an issued invoice as it was
    app.config["INVOICE_PAYMENT_DAYS"] = 60
    assert Page(invoicing.pdf(invoice)).line_text("Vervaldatum") == due


def test_credit_note_page_shows_negative_amounts_and_asks_for_no_payment(invoice):
    note = invoicing.credit_note(invoice)
    db.session.commit()
    page = Page(invoicing.pdf(note))
    assert page.find("Creditfactuur")
    description = page.find("Creditering:")
    # the credit note's description starts with "Creditering:"; the layout checks look for the course name
    assert page.line(description)[0][0] == "Creditering:"
    assert_laid_out(page, ["-€ 175,00", "-€ 175,00", "-€ 36,75", "-€ 211,75"])
    text = page.text()
    assert "Vervaldatum" not in text and "over te maken" not in text and "verzoeken" not in text
    assert f"U hoeft factuur {invoice.number} niet meer te betalen" in text


def test_a_mistyped_account_number_or_vat_number_stops_the_start(monkeypatch, tmp_path):
    from webapp.config import Config

    monkeypatch.setenv("INVOICE_IBAN", "nl91 abna 0417 1643 00")
    assert Config(str(tmp_path)).INVOICE_IBAN == "NL91ABNA0417164300"
    for name, value in (("INVOICE_IBAN", "NL91ABNA0417164301"), ("INVOICE_VAT_NUMBER", "NL000099998B58")):
        monkeypatch.setenv(name, value)
        with pytest.raises(ValueError, match=name):
            Config(str(tmp_path))
        monkeypatch.delenv(name)
    monkeypatch.setenv("INVOICE_KVK", "1234567")
    with pytest.raises(ValueError, match="INVOICE_KVK"):
        Config(str(tmp_path))


def test_invoices_issued_before_the_upgrade_get_the_30_days_they_asked_for(backend, tmp_path):
    from datetime import date

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from tests.components import require_postgres
    from tests.conftest import make_app
    from tests.databases import PostgresDatabase

    database = None
    if backend == "postgresql":
        require_postgres()
        database = PostgresDatabase()
        database.create()
    try:
        app = make_app(tmp_path, database.url if database else f"sqlite:///{tmp_path / 'upgrade.sqlite'}")
        with app.app_context():
            directory = app.extensions["migrate"].directory
            upgrade(directory=directory, revision="0005")
            row = dict(
                debtor_name="X", debtor_attention="", debtor_street="", debtor_postcode="", debtor_city="",
                debtor_reference="", subtotal_cents=0, vat_cents=0, total_cents=0, created_at=sa.func.now(),
            )  # fmt: skip
            with db.engine.begin() as connection:
                invoices = sa.Table("course_invoices", sa.MetaData(), autoload_with=connection)
                connection.execute(invoices.insert().values(id=1, number="1", issued_on=date(2026, 12, 5), **row))
                connection.execute(
                    invoices.insert().values(id=2, number="2", issued_on=date(2026, 12, 6), credit_for_id=1, **row)
                )
            upgrade(directory=directory, revision="heads")
            with db.engine.connect() as connection:
                due = dict(connection.execute(sa.text("SELECT id, due_on FROM course_invoices")).all())
            db.engine.dispose()
    finally:
        if database is not None:
            database.drop()
    assert {id: str(value) if value else None for id, value in due.items()} == {1: "2027-01-04", 2: None}

"""The organisation's forms: Koppel een persoon, Meerdere personen tegelijk koppelen (rows and a CSV file), and
Afwijzen of a link request. The rules (11-proef, dates, the match) are the services' (linking.py), so a row of the
form, a line of a file and the single form get the same messages."""

from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from webapp.core.errors import DomainError
from webapp.core.forms import DutchDateField, Form
from webapp.register import linking

ROWS = 10  # the rows of Meerdere personen tegelijk koppelen


class BSNInput(StringField):
    """A BSN as typed. Never written back into the page: after a refused attempt the field is empty again, so a
    BSN does not sit in a response (the browser's cache, a shared screen, a saved page) beside its error."""

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false", "maxlength": 20}
        render_kw.update(kwargs.pop("render_kw", None) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def _value(self) -> str:
        return ""


class LinkForm(Form):
    """Koppel een persoon."""

    bsn = BSNInput("BSN")
    birth_date = DutchDateField("Geboortedatum")
    unlink_on = DutchDateField("Ontkoppelen op (optioneel)")

    # Each field's own check, so that every field's error shows at once; the service checks them again.
    def validate_bsn(self, field):
        _check(field, linking.parse_bsn)

    def validate_birth_date(self, field):
        _check(field, linking.check_birth_date)

    def validate_unlink_on(self, field):
        _check(field, linking.check_unlink_on)


def _check(field, rule) -> None:
    if field.process_errors:
        return  # a date that is none has its own message
    try:
        rule(field.data)
    except DomainError as error:
        raise ValidationError(error.message) from None


class LinkRowsForm(Form):
    """Meerdere personen tegelijk koppelen: ROWS rows of BSN, Geboortedatum, Ontkoppelen op, named rows-N-bsn and
    so on (the template writes them; the form itself carries the CSRF token). Rows are read as typed: each row's
    reason comes from the service, in the report."""

    def link_rows(self, formdata) -> list[linking.Row]:
        def cell(number: int, name: str) -> str:
            return (formdata.get(f"rows-{number}-{name}") or "")[:100]

        return [
            linking.Row(number + 1, cell(number, "bsn"), cell(number, "birth_date"), cell(number, "unlink_on"))
            for number in range(ROWS)
        ]


class UploadForm(Form):
    file = FileField("CSV-bestand")


class RejectForm(Form):
    reason = TextAreaField(
        "Reden (optioneel)",
        validators=[Length(max=500, message="De reden mag hoogstens 500 tekens lang zijn.")],
        render_kw={"rows": 3, "maxlength": 500},
    )

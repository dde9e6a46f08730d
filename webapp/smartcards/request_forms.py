"""The forms of a registration request: the visitor's request and the staff's reasons."""

import re

from wtforms import EmailField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from webapp.core.forms import Form, email_validator

_required = DataRequired(message="Dit veld is verplicht.")
_eight_digits = r"^[0-9]{8}\Z"  # ASCII digits only: \d also takes other scripts' digits
_postcode = re.compile(r"^([1-9][0-9]{3}) ?([A-Za-z]{2})\Z")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _without_spaces(value):
    return re.sub(r"\s+", "", value) if isinstance(value, str) else value


def _postcode_form(value):
    """1234ab and 1234 ab become 1234 AB; anything else stays as typed (the validator says why)."""
    match = _postcode.match(value) if isinstance(value, str) else None
    return f"{match[1]} {match[2].upper()}" if match else value


class RegistrationRequestForm(Form):
    organisation_name = StringField(
        "Naam organisatie",
        validators=[_required, Length(max=160)],
        filters=[_strip],
        render_kw={"autocomplete": "organization"},
    )
    kvk_number = StringField(
        "KvK-nummer",
        validators=[_required, Regexp(_eight_digits, message="Een KvK-nummer heeft 8 cijfers.")],
        filters=[_strip, _without_spaces],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    subscriber_number = StringField(
        "Abonneenummer",
        validators=[_required, Regexp(_eight_digits, message="Een abonneenummer heeft 8 cijfers.")],
        filters=[_strip, _without_spaces],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    street = StringField(
        "Straat", validators=[_required, Length(max=120)], filters=[_strip], render_kw={"autocomplete": "address-line1"}
    )
    house_number = StringField("Huisnummer", validators=[_required, Length(max=20)], filters=[_strip])
    postcode = StringField(
        "Postcode",
        validators=[_required, Regexp(_postcode.pattern, message="Vul een postcode in als 1234 AB.")],
        filters=[_strip, _postcode_form],
        render_kw={"autocomplete": "postal-code"},
    )
    city = StringField(
        "Plaats", validators=[_required, Length(max=80)], filters=[_strip], render_kw={"autocomplete": "address-level2"}
    )
    representative_name = StringField(
        "Naam vertegenwoordiger",
        validators=[_required, Length(max=240)],
        filters=[_strip],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        "E-mailadres",
        validators=[_required, email_validator(), Length(max=254)],
        filters=[_strip],
        render_kw={"autocomplete": "email"},
    )
    phone = TelField(
        "Telefoonnummer",
        validators=[
            _required,
            Regexp(
                r"^[0-9 +()\-]*[0-9][0-9 +()\-]*\Z",
                message="Een telefoonnummer bevat alleen cijfers, spaties en + ( ) -.",
            ),
            Length(max=30),
        ],
        filters=[_strip],
        render_kw={"autocomplete": "tel"},
    )


class RejectForm(Form):
    reason = TextAreaField(
        "Reden van afwijzing",
        validators=[
            DataRequired(message="Geef een reden op: de aanvrager krijgt die per e-mail."),
            Length(max=500),
        ],
        filters=[_strip],
    )

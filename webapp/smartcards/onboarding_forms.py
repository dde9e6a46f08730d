"""The forms of Registreren administrator and Koppelen smartphone."""

from wtforms import EmailField
from wtforms.validators import DataRequired, InputRequired, Length

from webapp.accounts.forms import TotpCodeForm
from webapp.core.forms import DutchDateField, Form, email_validator

_required = DataRequired(message="Dit veld is verplicht.")
_typed = InputRequired(message="Dit veld is verplicht.")  # keeps the date field's own message for a wrong date


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class AdministratorForm(Form):
    birth_date = DutchDateField("Geboortedatum", validators=[_typed], render_kw={"autocomplete": "bday"})
    email = EmailField(
        "E-mailadres",
        validators=[_required, email_validator(), Length(max=254)],
        filters=[_strip],
        render_kw={"autocomplete": "email"},
    )


class CouplingCodeForm(TotpCodeForm):
    pass

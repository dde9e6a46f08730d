"""The forms of Registreren administrator and Koppelen smartphone."""

from wtforms import EmailField
from wtforms.validators import DataRequired, Length

from webapp.accounts.forms import TotpCodeForm
from webapp.core.forms import DateRequired, DutchDateField, Form, email_validator

_required = DataRequired(message="Dit veld is verplicht.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class AdministratorForm(Form):
    birth_date = DutchDateField("Geboortedatum", validators=[DateRequired()], render_kw={"autocomplete": "bday"})
    email = EmailField(
        "E-mailadres",
        validators=[_required, email_validator(), Length(max=254)],
        filters=[_strip],
        render_kw={"autocomplete": "email"},
    )


class CouplingCodeForm(TotpCodeForm):
    pass

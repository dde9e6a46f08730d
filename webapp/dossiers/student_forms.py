"""The student's forms: Maak een nieuw account (BSN and e-mail), the activation code, and Nieuw dossier (the
catalogue's query string and the choice of a programme)."""

from wtforms import EmailField, HiddenField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from webapp.core.forms import BSNField, Form, email_validator
from webapp.core.ids import whole_number
from webapp.dossiers import dossiers

_required = DataRequired(message="Dit veld is verplicht.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class TypedBSNField(BSNField):
    """The BSN as typed, never written back into the page: after a refused attempt the field is empty again, so a
    BSN does not sit in a response (the browser's cache, a shared screen) beside its error."""

    def _value(self) -> str:
        return ""


class NewAccountForm(Form):
    bsn = TypedBSNField("BSN (burgerservicenummer)", validators=[_required])
    email = EmailField(
        "E-mailadres",
        validators=[_required, email_validator(), Length(max=254)],
        filters=[_strip],
        render_kw={"autocomplete": "email"},
    )


class ActivationCodeForm(Form):
    code = StringField(
        "Activatiecode",
        validators=[_required, Length(max=40)],
        filters=[_strip],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters", "maxlength": 40},
    )


class StartDossierForm(Form):
    """Kies deze opleiding: the programme, from a result of the catalogue."""

    programme_id = HiddenField(validators=[_required])

    def validate_programme_id(self, field):
        field.data = whole_number(field.data)
        if field.data is None:
            raise ValidationError("Kies een opleiding uit de lijst.")


def catalogue_args(args) -> tuple[str, int | None, int]:
    """The catalogue's query string: what to look for, the college, the page."""
    return (
        dossiers.clean_search(args.get("zoek")),
        whole_number(args.get("instelling")),
        min(whole_number(args.get("pagina")) or 1, dossiers.MAX_CATALOGUE_PAGE),
    )


def catalogue_url_args(search: str, college_id: int | None = None, page: int = 1) -> dict:
    args = {"zoek": search, "instelling": college_id, "pagina": page if page > 1 else None}
    return {key: value for key, value in args.items() if value}

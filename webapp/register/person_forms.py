"""The person's forms: inschrijven, the e-mail address for notices, and the organisation search's query string
(zoek, pagina)."""

from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Length, Optional

from webapp.core.forms import DateRequired, DutchDateField, Form, email_validator
from webapp.core.ids import whole_number
from webapp.register import persons

EMAIL_HINT = (
    "Optioneel. Hierop krijgt u bericht als een organisatie u koppelt of ontkoppelt, of uw koppelverzoek "
    "beantwoordt. Zonder e-mailadres krijgt u van ons geen berichten: u ziet alles dan alleen hier."
)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _email_field():
    return EmailField(
        "E-mailadres voor berichten",
        validators=[Optional(), email_validator(), Length(max=254)],
        filters=[_strip],
        render_kw={"autocomplete": "email"},
    )


class EnrolForm(Form):
    """Inschrijven: the name and birth date only where the DigiD token lacks them (see `for_actor`)."""

    first_name = StringField(
        "Voornaam",
        validators=[DataRequired("Vul uw voornaam in."), Length(max=100)],
        filters=[_strip],
        render_kw={"autocomplete": "given-name"},
    )
    infix = StringField("Tussenvoegsel", validators=[Length(max=30)], filters=[_strip])
    last_name = StringField(
        "Achternaam",
        validators=[DataRequired("Vul uw achternaam in."), Length(max=100)],
        filters=[_strip],
        render_kw={"autocomplete": "family-name"},
    )
    # DateRequired keeps the date field's own message for a date that does not exist
    birth_date = DutchDateField(
        "Geboortedatum", validators=[DateRequired("Vul uw geboortedatum in.")], render_kw={"autocomplete": "bday"}
    )
    email = _email_field()

    @classmethod
    def for_actor(cls, actor, formdata=None) -> "EnrolForm":
        form = cls(formdata)
        lacks = persons.token_lacks(actor)
        if not lacks["name"]:
            del form.first_name, form.infix, form.last_name
        if not lacks["birth_date"]:
            del form.birth_date
        return form

    def enrolment(self) -> persons.Enrolment:
        def typed(name):
            field = getattr(self, name, None)
            return field.data if field is not None else None

        return persons.Enrolment(
            first_name=typed("first_name") or "",
            infix=typed("infix") or "",
            last_name=typed("last_name") or "",
            birth_date=typed("birth_date"),
            email=self.email.data or "",
        )


class EmailForm(Form):
    email = _email_field()


def search_args(args) -> tuple[str, int]:
    """The organisation search's query string: what to look for, and the page."""
    return persons.clean_search(args.get("zoek")), min(whole_number(args.get("pagina")) or 1, persons.MAX_SEARCH_PAGE)


def search_url_args(search: str, page: int = 1) -> dict:
    return {key: value for key, value in (("zoek", search), ("pagina", page)) if value and value != 1}

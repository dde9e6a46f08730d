from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from webapp.core.errors import DomainError
from webapp.core.forms import Form, IntegerRange
from webapp.core.ids import whole_number
from webapp.courses.services import PRICE_RANGE

REQUIRED = "Dit veld is verplicht."
NO_PARTICIPANT = "Deze deelnemer bestaat niet. Kies de deelnemer opnieuw."


def chosen_participant_id(value: str | None, default: int) -> int | None:
    """The enrolment page's ?deelnemer=: empty is `default` (the acting user), 0 is nobody yet (the person search),
    anything else a person's id; DomainError (a 400) when it is no id at all."""
    value = (value or "").strip()
    if not value:
        return default
    if value == "0":
        return None
    number = whole_number(value)
    if number is None:
        raise DomainError(NO_PARTICIPANT)
    return number


def search_text(value: str | None) -> str:
    """The person search's ?zoek=; DomainError (a 400) for a NUL, which PostgreSQL cannot compare."""
    value = (value or "").strip()
    if "\x00" in value:
        raise DomainError("De zoekterm bevat een ongeldig teken.")
    return value[:100]


def page_number(value: str | None) -> int:
    """The agenda's ?pagina=: 1 when absent; DomainError (a 400) when it is no page number."""
    if value is None or not value.strip():
        return 1
    number = whole_number(value)
    if number is None:
        raise DomainError("Deze pagina van de cursusagenda bestaat niet.")
    return number


class EnrolForm(Form):
    participant_id = HiddenField()
    debtor_reference = StringField("Uw referentie (bijv. inkoopordernummer)", validators=[Optional(), Length(max=80)])
    waiting_list = BooleanField("Plaats mij op de wachtlijst als het evenement vol is")

    def participant(self, default: int) -> int | None:
        """The chosen participant's id; None when the form was tampered with."""
        value = (self.participant_id.data or "").strip()
        if not value:
            return default
        return whole_number(value)


class CourseForm(Form):
    name = StringField("Naam", validators=[DataRequired(message=REQUIRED), Length(max=200)])
    category_id = SelectField("Categorie", coerce=int, validators=[Optional()])
    custom_for_id = SelectField("Maatwerk voor organisatie", coerce=int, validators=[Optional()])
    description = TextAreaField("Omschrijving", validators=[Optional()])
    cancellation_rules = TextAreaField("Annuleringsvoorwaarden", validators=[Optional()])


class EventForm(Form):
    name = StringField("Naam evenement", validators=[DataRequired(message=REQUIRED), Length(max=200)])
    starts_on = DateField("Begindatum", validators=[DataRequired(message=REQUIRED)])
    ends_on = DateField("Einddatum", validators=[Optional()])
    location = StringField("Locatie", validators=[Optional(), Length(max=200)])
    price = DecimalField(
        "Prijs excl. btw (euro)",
        places=2,
        validators=[InputRequired(message=REQUIRED)],  # its range is the service's rule
        invalid_value_message=PRICE_RANGE,
    )
    vat_rate = IntegerField(
        "Btw-percentage", default=21, validators=[InputRequired(message=REQUIRED), IntegerRange(min=0, max=100)]
    )
    places = IntegerField(
        "Aantal plaatsen", validators=[InputRequired(message=REQUIRED), IntegerRange(min=1, max=10000)]
    )
    cancellation_rules = TextAreaField("Annuleringsvoorwaarden (leeg: die van de cursus)", validators=[Optional()])


class ResultForm(Form):
    result = StringField("Resultaat", validators=[Optional(), Length(max=40)])
    attended = BooleanField("Gevolgd")


class MessageForm(Form):
    to = RadioField(
        "Aan",
        choices=[("person", "Een persoon (op eigen naam)"), ("organisation", "Een organisatie")],
        default="person",
        validators=[InputRequired(message=REQUIRED)],
    )
    person_email = StringField("E-mailadres van de persoon", validators=[Optional(), Length(max=254)])
    organisation_id = SelectField("Organisatie", coerce=int, validators=[Optional()])
    subject = StringField("Onderwerp", validators=[DataRequired(message=REQUIRED), Length(max=200)])
    body = TextAreaField("Bericht", validators=[DataRequired(message=REQUIRED)])
    attachments = MultipleFileField("Bijlagen (hoogstens 5, elk tot 10 MB)")

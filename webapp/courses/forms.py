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
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from webapp.core.forms import Form
from webapp.core.ids import whole_number

REQUIRED = "Dit veld is verplicht."


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
        "Prijs excl. btw (euro)", places=2, validators=[InputRequired(message=REQUIRED), NumberRange(min=0)]
    )
    vat_rate = IntegerField(
        "Btw-percentage", default=21, validators=[InputRequired(message=REQUIRED), NumberRange(min=0, max=100)]
    )
    places = IntegerField(
        "Aantal plaatsen", validators=[InputRequired(message=REQUIRED), NumberRange(min=1, max=10000)]
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

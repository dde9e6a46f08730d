from wtforms import EmailField, SelectField, SelectMultipleField, StringField, TelField
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.accounts.models import KINDS, ROLES
from webapp.core.forms import Form, email_validator
from webapp.core.modules import mandate_services

_required = DataRequired(message="Dit veld is verplicht.")
_postcode = Regexp(r"^\s*$|^[1-9][0-9]{3}\s?[A-Za-z]{2}$", message="Vul een postcode in als 1234 AB.")
_phone = Regexp(r"^[0-9 +()\-]*$", message="Een telefoonnummer bevat alleen cijfers, spaties en + ( ) -.")


class OrganisationForm(Form):
    name = StringField("Naam", validators=[_required, Length(max=160)])
    kvk_number = StringField("KvK-nummer", validators=[Optional(), Regexp(r"^\d{8}$", message="Een KvK-nummer heeft 8 cijfers.")])
    email = EmailField("E-mailadres", validators=[Optional(), email_validator(), Length(max=254)])
    phone = TelField("Telefoon", validators=[_phone, Length(max=30)])
    street = StringField("Straat", validators=[Length(max=120)])
    house_number = StringField("Huisnummer", validators=[Length(max=20)])
    postcode = StringField("Postcode", validators=[_postcode, Length(max=10)])
    city = StringField("Plaats", validators=[Length(max=80)])


class StaffOrganisationForm(OrganisationForm):
    kind = SelectField("Soort organisatie", choices=list(KINDS.items()), validators=[_required])


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ContactPersonForm(Form):
    email = EmailField("E-mailadres", validators=[_required, email_validator(), Length(max=254)])
    salutation = SelectField("Aanhef", choices=[("", "Geen"), ("Dhr.", "Dhr."), ("Mevr.", "Mevr.")], validators=[Optional()])
    initials = StringField("Voorletters", validators=[Length(max=20)])
    first_name = StringField("Voornaam", validators=[_required, Length(max=100)])
    infix = StringField("Tussenvoegsel", validators=[Length(max=30)])
    last_name = StringField("Achternaam", validators=[_required, Length(max=100)])
    job_title = StringField("Functie", validators=[Length(max=100)])
    work_phone = TelField("Telefoon werk", validators=[_phone, Length(max=30)])
    role = SelectField("Rol", choices=[(key, ROLES[key]) for key in ("contact", "admin", "employee")], validators=[_required])
    services = CheckboxListField("Machtigingen", validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.services.choices = list(mandate_services().items())


class InviteContactForm(ContactPersonForm):
    """Back-office: the first contact person of a new organisation; an admin by default."""

    role = SelectField("Rol", choices=[(key, ROLES[key]) for key in ("admin", "contact")], validators=[_required])

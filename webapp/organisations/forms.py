from dataclasses import replace

from wtforms import EmailField, SelectField, SelectMultipleField, StringField, TelField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.accounts.models import KINDS, ROLES
from webapp.core.forms import DutchDateField, Form, email_validator
from webapp.core.ids import whole_number
from webapp.core.modules import mandate_services
from webapp.organisations.auditlog import ALL_OF, MAX_PAGE, LogFilters, action_groups

_required = DataRequired(message="Dit veld is verplicht.")
_postcode = Regexp(r"^\s*$|^[1-9][0-9]{3}\s?[A-Za-z]{2}$", message="Vul een postcode in als 1234 AB.")
_phone = Regexp(r"^[0-9 +()\-]*$", message="Een telefoonnummer bevat alleen cijfers, spaties en + ( ) -.")


class OrganisationForm(Form):
    name = StringField("Naam", validators=[_required, Length(max=160)])
    kvk_number = StringField(
        "KvK-nummer", validators=[Optional(), Regexp(r"^\d{8}$", message="Een KvK-nummer heeft 8 cijfers.")]
    )
    email = EmailField("E-mailadres", validators=[Optional(), email_validator(), Length(max=254)])
    phone = TelField("Telefoon", validators=[_phone, Length(max=30)])
    street = StringField("Straat", validators=[Length(max=120)])
    house_number = StringField("Huisnummer", validators=[Length(max=20)])
    postcode = StringField("Postcode", validators=[_postcode, Length(max=10)])
    city = StringField("Plaats", validators=[Length(max=80)])


class StaffOrganisationForm(OrganisationForm):
    kind = SelectField(
        "Soort organisatie", choices=[("", "Kies een soort")] + list(KINDS.items()), validators=[_required]
    )


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ContactPersonForm(Form):
    email = EmailField("E-mailadres", validators=[_required, email_validator(), Length(max=254)])
    salutation = SelectField(
        "Aanhef", choices=[("", "Geen"), ("Dhr.", "Dhr."), ("Mevr.", "Mevr.")], validators=[Optional()]
    )
    initials = StringField("Voorletters", validators=[Length(max=20)])
    first_name = StringField("Voornaam", validators=[_required, Length(max=100)])
    infix = StringField("Tussenvoegsel", validators=[Length(max=30)])
    last_name = StringField("Achternaam", validators=[_required, Length(max=100)])
    job_title = StringField("Functie", validators=[Length(max=100)])
    work_phone = TelField("Telefoon werk", validators=[_phone, Length(max=30)])
    # a required select starts with an empty placeholder (valid HTML); the usual choice is preselected
    role = SelectField(
        "Rol",
        choices=[("", "Kies een rol")] + [(key, ROLES[key]) for key in ("contact", "admin", "employee")],
        default="contact",
        validators=[_required],
    )
    services = CheckboxListField("Machtigingen", validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.services.choices = list(mandate_services().items())


class InviteContactForm(ContactPersonForm):
    """Back-office: the first contact person of a new organisation; an admin by default."""

    role = SelectField(
        "Rol",
        choices=[("", "Kies een rol")] + [(key, ROLES[key]) for key in ("admin", "contact")],
        default="admin",
        validators=[_required],
    )


class AuditLogForm(Form):
    """The Logboek's filters, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    actor = StringField("Gebruiker", name="gebruiker", validators=[Length(max=100)])
    action = SelectField("Actie", name="actie", default="")
    date_from = DutchDateField("Van", name="van")
    date_to = DutchDateField("Tot en met", name="tot")

    def __init__(self, formdata, *, actions: list[str]):
        super().__init__(formdata)
        self.action.choices = [("", "Alle acties")] + [
            (name, f"{name} (alle)" if name.endswith(ALL_OF) else name)
            for name in sorted([*actions, *action_groups(actions)], key=lambda name: name.replace(ALL_OF, ""))
        ]
        self.page = min(whole_number(formdata.get("pagina")) or 1, MAX_PAGE)

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("Deze datum ligt voor de datum bij Van.")

    def filters(self) -> LogFilters:
        return LogFilters(
            actor=(self.actor.data or "").strip(),
            action=self.action.data or "",
            date_from=self.date_from.data,
            date_to=self.date_to.data,
        )

    def query(self, **changes) -> dict[str, str]:
        """The filters as they came in the query string (for the page links), with `changes`."""
        args = {field.name: field.raw_data[0] for field in self if field.raw_data and field.raw_data[0]}
        return {**args, **changes}


class StaffAuditLogForm(AuditLogForm):
    organisation = SelectField("Organisatie", name="organisatie", default="")

    def __init__(self, formdata, *, actions: list[str], organisations: list[tuple[int, str]]):
        super().__init__(formdata, actions=actions)
        self.organisation.choices = [("", "Alle organisaties")] + [(str(id_), name) for id_, name in organisations]

    def filters(self) -> LogFilters:
        organisation_id = int(self.organisation.data) if self.organisation.data else None
        return replace(super().filters(), organisation_id=organisation_id)

from wtforms import BooleanField, DateField, EmailField, PasswordField, RadioField, StringField, TelField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from webapp.core.forms import Form, email_validator

_required = DataRequired(message="Dit veld is verplicht.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class LoginForm(Form):
    email = EmailField("Gebruikersnaam (e-mailadres)", validators=[_required, Length(max=254)], filters=[_strip])
    password = PasswordField("Wachtwoord", validators=[_required, Length(max=1024)])
    remember = BooleanField("Onthoud mijn gegevens")


class RequestResetForm(Form):
    email = EmailField(
        "Gebruikersnaam (e-mailadres)", validators=[_required, email_validator(), Length(max=254)], filters=[_strip]
    )


class NewPasswordForm(Form):
    password = PasswordField("Nieuw wachtwoord", validators=[_required, Length(max=1024)])
    confirm = PasswordField(
        "Bevestig nieuw wachtwoord",
        validators=[_required, EqualTo("password", message="De wachtwoorden zijn niet gelijk.")],
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField("Huidig wachtwoord", validators=[_required, Length(max=1024)])


class ChooseOrganisationForm(Form):
    context = RadioField("Selecteer organisatie", validators=[_required], choices=[])


_postcode = Regexp(r"^\s*$|^[1-9][0-9]{3}\s?[A-Za-z]{2}$", message="Vul een postcode in als 1234 AB.")
_phone = Regexp(r"^[0-9 +()\-]*$", message="Een telefoonnummer bevat alleen cijfers, spaties en + ( ) -.")


class PersonalDataForm(Form):
    """Ingelogd als persoon: private data such as the address."""

    salutation = RadioField(
        "Aanhef", choices=[("Dhr.", "Dhr."), ("Mevr.", "Mevr."), ("", "Geen")], validators=[Optional()]
    )
    initials = StringField("Voorletters", validators=[Length(max=20)])
    first_name = StringField("Voornaam", validators=[_required, Length(max=100)])
    infix = StringField("Tussenvoegsel", validators=[Length(max=30)])
    last_name = StringField("Achternaam", validators=[_required, Length(max=100)])
    birth_date = DateField("Geboortedatum", validators=[Optional()], format="%Y-%m-%d")
    street = StringField("Straat", validators=[Length(max=120)])
    house_number = StringField("Huisnummer", validators=[Length(max=20)])
    postcode = StringField("Postcode", validators=[_postcode, Length(max=10)])
    city = StringField("Plaats", validators=[Length(max=80)])
    country = StringField("Land", validators=[Length(max=60)])
    phone = TelField("Telefoon", validators=[_phone, Length(max=30)])
    mobile = TelField("Mobiel", validators=[_phone, Length(max=30)])


class EmployeeDataForm(Form):
    """Ingelogd via de organisatie: what the organisation knows of its employee."""

    first_name = StringField("Voornaam", validators=[_required, Length(max=100)])
    infix = StringField("Tussenvoegsel", validators=[Length(max=30)])
    last_name = StringField("Achternaam", validators=[_required, Length(max=100)])
    job_title = StringField("Functie", validators=[Length(max=100)])
    department = StringField("Afdeling", validators=[Length(max=100)])
    work_email = EmailField("E-mailadres werk", validators=[Optional(), email_validator(), Length(max=254)])
    work_phone = TelField("Telefoon werk", validators=[_phone, Length(max=30)])


class TotpCodeForm(Form):
    code = StringField(
        "Code uit uw authenticator-app",
        validators=[_required, Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message="Vul de zescijferige code in.")],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"},
    )

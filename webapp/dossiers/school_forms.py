"""The school pages' forms (a class, a mentor, a student) and the student list's query string (zoek, klas,
leerjaar, pagina), read into the services' terms."""

from wtforms import EmailField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from webapp.core.forms import BSNField, DateRequired, DutchDateField, Form, IntegerRange, email_validator
from webapp.core.ids import whole_number
from webapp.core.paging import MAX_PAGE
from webapp.dossiers.school import YEARS, Filters, StudentData

YEAR_MESSAGE = f"Vul een leerjaar in van {YEARS.start} tot en met {YEARS.stop - 1}."


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _year_field():
    return IntegerField(
        "Leerjaar",
        validators=[InputRequired(YEAR_MESSAGE), IntegerRange(YEARS.start, YEARS.stop - 1, message=YEAR_MESSAGE)],
        render_kw={"inputmode": "numeric"},
    )


class ClassForm(Form):
    name = StringField(
        "Naam van de klas",
        validators=[DataRequired("Vul de naam van de klas in."), Length(max=20)],
        filters=[_strip],
    )
    year = _year_field()


class MentorForm(Form):
    membership_id = SelectField("Mentor toevoegen", coerce=int, validate_choice=True)


class StudentForm(Form):
    first_name = StringField(
        "Roepnaam", validators=[DataRequired("Vul de roepnaam in."), Length(max=100)], filters=[_strip]
    )
    infix = StringField("Tussenvoegsel", validators=[Length(max=30)], filters=[_strip])
    last_name = StringField(
        "Achternaam", validators=[DataRequired("Vul de achternaam in."), Length(max=100)], filters=[_strip]
    )
    bsn = BSNField("BSN")
    birth_date = DutchDateField("Geboortedatum", validators=[DateRequired("Vul de geboortedatum in.")])
    email = EmailField("E-mailadres", validators=[Optional(), email_validator(), Length(max=254)], filters=[_strip])
    class_id = SelectField("Klas", coerce=lambda v: whole_number(str(v)) if v not in (None, "") else None)
    year = _year_field()

    @classmethod
    def for_school(cls, classes, formdata=None, **data) -> "StudentForm":
        form = cls(formdata, **data)
        form.class_id.choices = [("", "Geen klas")] + [(k.id, f"{k.name} (leerjaar {k.year})") for k in classes]
        return form

    def student_data(self) -> StudentData:
        return StudentData(
            first_name=self.first_name.data,
            infix=self.infix.data or "",
            last_name=self.last_name.data,
            bsn=self.bsn.data,
            birth_date=self.birth_date.data,
            email=self.email.data or "",
            class_id=self.class_id.data,
            year=self.year.data,
        )


def list_filters(args) -> Filters:
    """The student list's filters from its query string; a value a filter does not take is left out."""
    search = (args.get("zoek") or "").strip()
    year = whole_number(args.get("leerjaar"))
    return Filters(
        search="" if "\x00" in search else search[:100],
        class_id=whole_number(args.get("klas")),
        year=year if year in YEARS else None,
        page=min(whole_number(args.get("pagina")) or 1, MAX_PAGE),
    )


def list_args(filters: Filters, **changes) -> dict:
    values = {"zoek": filters.search, "klas": filters.class_id, "leerjaar": filters.year, "pagina": filters.page}
    values.update(changes)
    return {
        key: value for key, value in values.items() if value not in (None, "") and not (key == "pagina" and value == 1)
    }

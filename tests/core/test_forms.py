"""A required date: every form that asks one refuses a blank or spaces-only date with its own Dutch message and keeps
the date field's message for a date that does not exist (WTForms' InputRequired alone let "   " through as no date)."""

import pytest
from werkzeug.datastructures import MultiDict

from webapp.dossiers.school_forms import StudentForm
from webapp.register.person_forms import EnrolForm
from webapp.smartcards.onboarding_forms import AdministratorForm
from webapp.smartcards.personalise_views import BirthDateForm

FORMS = [
    (EnrolForm, "Vul uw geboortedatum in."),
    (AdministratorForm, "Dit veld is verplicht."),
    (BirthDateForm, "Vul uw geboortedatum in."),
    (StudentForm, "Vul de geboortedatum in."),
]


def posted_form(form_class, posted: MultiDict):
    if form_class is StudentForm:
        return StudentForm.for_school([], posted, meta={"csrf": False})
    return form_class(posted, meta={"csrf": False})


@pytest.mark.parametrize(("form_class", "message"), FORMS, ids=[form.__name__ for form, _ in FORMS])
@pytest.mark.parametrize("typed", ["", "   ", None])
def test_a_blank_date_is_refused_with_the_forms_message(app, form_class, message, typed):
    posted = MultiDict({} if typed is None else {"birth_date": typed})
    with app.test_request_context(method="POST"):
        form = posted_form(form_class, posted)
        form.validate()
        assert form.birth_date.errors == [message]
        assert "required" in str(form.birth_date())


@pytest.mark.parametrize(("form_class", "message"), FORMS, ids=[form.__name__ for form, _ in FORMS])
def test_a_date_that_does_not_exist_keeps_the_fields_own_message(app, form_class, message):
    with app.test_request_context(method="POST"):
        form = posted_form(form_class, MultiDict({"birth_date": "31-02-1995"}))
        form.validate()
        assert form.birth_date.errors == ["Vul een geldige datum in als dd-mm-jjjj."]

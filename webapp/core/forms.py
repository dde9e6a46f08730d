"""The base form: Dutch messages from WTForms' own translations, CSRF from Flask-WTF."""
from flask import request
from flask_wtf import FlaskForm
from wtforms.validators import Email


class Form(FlaskForm):
    class Meta:
        locales = ["nl"]

        def get_translations(self, form):
            # Flask-WTF would ask Flask-Babel; WTForms ships the Dutch messages itself.
            return super(FlaskForm.Meta, self).get_translations(form)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            values = field.data if isinstance(field.data, list) else [field.data]
            if any(isinstance(value, str) and "\x00" in value for value in values):
                # PostgreSQL cannot store (or even compare) NUL characters: refuse them here.
                field.errors = list(field.errors) + ["Dit veld bevat een ongeldig teken."]
                valid = False
        return valid


def email_validator():
    return Email(message="Vul een geldig e-mailadres in.", check_deliverability=False)


def add_error(form, error) -> None:
    """Show a DomainError beside its field, or above the form."""
    field = getattr(form, error.field, None) if getattr(error, "field", None) else None
    messages = getattr(error, "problems", None) or [error.message]
    if field is not None:
        field.errors = list(field.errors) + messages
    else:
        form.form_errors.extend(messages)


def form_status(form) -> int:
    """400 for a post that did not go through, 200 for the first showing."""
    return 400 if request.method == "POST" else 200

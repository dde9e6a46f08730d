"""The base form: Dutch messages from WTForms' own translations, CSRF from Flask-WTF; fields core offers."""

from flask import request
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Email, NumberRange, StopValidation, ValidationError
from wtforms.widgets import DateInput

from webapp.core.bsn import BSN
from webapp.core.timeutil import parse_date


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


class IntegerRange(NumberRange):
    """NumberRange for an IntegerField, with both ends: WTForms' own tests for NaN by making the number a float,
    which overflows (a 500) for one of hundreds of digits. Such a number gets the range's message."""

    def __call__(self, form, field):
        if isinstance(field.data, int) and not self.min <= field.data <= self.max:
            message = self.message or field.gettext("Number must be between %(min)s and %(max)s.")
            raise ValidationError(message % {"min": self.min, "max": self.max})
        super().__call__(form, field)


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


class BSNField(StringField):
    """A BSN as a person types it (spaces and dots allowed), checked with the 11-proef: `data` is a BSN, or
    None when left empty (add DataRequired to demand one; a BSN that fails gets only its own message).

    The page gets back only what was typed in this post: a stored BSN is never written into a form."""

    message = "Vul een geldig BSN in: 9 cijfers die de elfproef doorstaan."

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}
        render_kw.update(kwargs.pop("render_kw", None) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def process_data(self, value):
        self.data = None if value is None else BSN(value)

    def process_formdata(self, valuelist):
        typed = valuelist[0] if valuelist else ""
        self.data = None
        if typed.strip():
            self.data = BSN.parse(typed)
            if self.data is None:
                raise ValueError(self.message)

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # the 11-proef's message stands alone: not also "Dit veld is verplicht."

    def _value(self) -> str:
        return self.raw_data[0] if self.raw_data else ""


class DateRequired:
    """A DutchDateField must hold a date. WTForms' InputRequired lets "   " through (it is input), which the field reads
    as no date; a date that does not exist keeps the field's own message."""

    field_flags = {"required": True}

    def __init__(self, message: str = "Dit veld is verplicht."):
        self.message = message

    def __call__(self, form, field) -> None:
        if field.data is None and not field.process_errors:
            raise StopValidation(self.message)


class DutchDateField(StringField):
    """A date picked in a date input (jjjj-mm-dd) or typed as dd-mm-jjjj where the browser has none:
    `data` is a date, or None when left empty."""

    widget = DateInput()
    message = "Vul een geldige datum in als dd-mm-jjjj."
    years = range(1900, 3000)  # beyond these a typing error, and near the calendar's ends the zone arithmetic fails

    def process_formdata(self, valuelist):
        typed = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if typed:
            day = parse_date(typed)
            if day is None or day.year not in self.years:
                raise ValueError(self.message)
            self.data = day

    def _value(self) -> str:
        # A date input holds an ISO date or nothing: what did not parse is not given back (the message says why).
        return self.data.isoformat() if self.data is not None else ""

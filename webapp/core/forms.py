"""The base form: Dutch messages from WTForms' own translations, CSRF from Flask-WTF."""
import functools
import time

from flask import current_app, g, session
from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF, generate_csrf
from itsdangerous import URLSafeTimedSerializer
from wtforms.validators import Email

_RESIGN_EVERY = 300  # seconds


class _SessionCSRF(_FlaskFormCSRF):
    """Forms take the session's token from csrf_token() (below), as the templates do."""

    def generate_csrf_token(self, csrf_token_field):
        return csrf_token()


class Form(FlaskForm):
    class Meta:
        locales = ["nl"]
        csrf_class = _SessionCSRF

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
    from flask import request

    return 400 if request.method == "POST" else 200


def csrf_token() -> str:
    """Flask-WTF's signed CSRF token for this session, as generate_csrf() gives it, but signed once every
    few minutes per session instead of on every page (signing cost about 6% of a page). The token proves
    the same thing: it carries the session's own random token (new at every login), signed."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field not in g:
        if field not in session:
            generate_csrf()  # makes the session's token; the copy it signed now gives way to the period's below
        secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
        setattr(g, field, _signed(secret, session[field], int(time.time()) // _RESIGN_EVERY))
    return g.get(field)  # where Flask-WTF keeps the request's token, for its forms too


@functools.lru_cache(maxsize=4096)
def _signed(secret: str, session_token: str, period: int) -> str:
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(session_token)

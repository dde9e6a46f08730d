"""Error pages in Dutch; never a stack trace, never a hint whether something exists."""

from flask import render_template
from flask_wtf.csrf import CSRFError

from webapp.core.errors import DomainError, NotFound
from webapp.extensions import db

MESSAGES = {
    400: ("Ongeldig verzoek", "Het verzoek kon niet worden verwerkt. Controleer de gegevens en probeer het opnieuw."),
    403: ("Geen toegang", "U heeft geen toegang tot deze pagina."),
    404: ("Pagina niet gevonden", "Deze pagina bestaat niet, of u heeft er geen toegang toe."),
    405: ("Niet toegestaan", "Deze actie is hier niet mogelijk."),
    413: ("Te groot", "Het verstuurde bestand of formulier is te groot."),
    429: ("Even geduld", "U heeft het te vaak geprobeerd. Wacht even en probeer het dan opnieuw."),
    500: ("Er ging iets mis", "Er ging aan onze kant iets mis. Probeer het later nog eens."),
}


def _page(status: int, message: str | None = None):
    db.session.rollback()  # nothing of a failed request is kept, and the page reads the database afresh
    title, text = MESSAGES[status]
    return render_template("errors/error.html", status=status, title=title, text=message or text), status


def init_app(app) -> None:
    for status in MESSAGES:
        if status != 429:
            app.register_error_handler(status, lambda error, status=status: _page(status))

    @app.errorhandler(429)
    def too_many(error):
        body, status = _page(429)
        response = app.make_response((body, status))
        # Flask-Limiter's own 429 response carries Retry-After; keep it.
        original = getattr(error, "response", None) or getattr(error, "get_response", lambda: None)()
        if original is not None and "Retry-After" in original.headers:
            response.headers["Retry-After"] = original.headers["Retry-After"]
        return response

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return _page(400, "Het formulier is verlopen of ongeldig. Laad de pagina opnieuw en probeer het nog eens.")

    @app.errorhandler(DomainError)
    def refused(error):
        # A rule a view left to the app (a query parameter that is no id, say): its Dutch message, as a 400.
        return _page(400, error.message)

    @app.errorhandler(NotFound)
    def not_found(error):
        return _page(404)

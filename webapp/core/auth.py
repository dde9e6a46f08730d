"""Who is acting, for whom, at which assurance level; and the decorators views use to demand it.

The accounts module loads the login session and puts an ActingContext on `g.acting`. Views read it
through `acting()` and hand it to the services, which check mandate, role and level through it
again (`require_mandate`, `require_admin`, `require_level`).
"""

from dataclasses import dataclass, field
from functools import wraps

from flask import abort, g, redirect, request, url_for
from flask_login import current_user

from webapp.core.errors import NotFound

# eHerkenning's levels of assurance, in order. A password alone reaches EH1; a second factor
# (authenticator) EH2+; a smartcard EH3.
LEVELS = ("EH1", "EH2", "EH2+", "EH3", "EH4")


NEEDED = "nodig"  # Organisatie kiezen's `organisatie` parameter: the page asked for needs an organisation


def level_at_least(have: str | None, need: str) -> bool:
    return have in LEVELS and LEVELS.index(have) >= LEVELS.index(need)


@dataclass
class ActingContext:
    """The session's acting context: as a person (organisation None) or for one organisation."""

    user: object
    level: str = "EH1"
    organisation: object | None = None
    membership: object | None = None
    mandates: frozenset[str] = field(default_factory=frozenset)
    can_switch: bool = False  # has memberships, so Organisatie kiezen offers a choice

    @property
    def user_id(self) -> int:
        return self.user.id

    @property
    def organisation_id(self) -> int | None:
        return self.organisation.id if self.organisation is not None else None

    @property
    def is_admin(self) -> bool:
        return self.membership is not None and self.membership.role == "admin"

    def has_mandate(self, service: str) -> bool:
        return self.membership is not None and (self.is_admin or service in self.mandates)

    def require_organisation(self):
        if self.organisation is None:
            raise NotFound()
        return self.organisation

    def require_mandate(self, service: str):
        """The organisation, when acting for one with this service's mandate; NotFound otherwise."""
        if not self.has_mandate(service):
            raise NotFound()
        return self.organisation

    def require_admin(self):
        if not self.is_admin:
            raise NotFound()
        return self.organisation

    def require_staff(self) -> None:
        """The issuer's staff only (their pages hang under /beheer); anyone else finds nothing."""
        if not self.user.is_staff:
            raise NotFound()

    def require_level(self, level: str) -> None:
        if not level_at_least(self.level, level):
            raise NotFound()


def acting() -> ActingContext | None:
    """The acting context of the logged-in user; None for a visitor."""
    if not current_user.is_authenticated:  # loading the user sets g.acting
        return None
    return g.get("acting")


def login_redirect():
    return redirect(url_for("accounts.login", next=request.full_path if request.query_string else request.path))


def _referring_path() -> str:
    from urllib.parse import urlsplit

    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path:
        return referrer.path
    return url_for("main.home")


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_redirect()
        return view(*args, **kwargs)

    return wrapper


def organisation_required(view):
    """Acting for an organisation; otherwise off to Organisatie kiezen."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_redirect()
        if acting().organisation is None:  # Organisatie kiezen says why it is shown
            return redirect(url_for("accounts.choose_organisation", next=request.path, organisatie=NEEDED))
        return view(*args, **kwargs)

    return wrapper


def admin_required(view):
    @organisation_required
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not acting().is_admin:
            abort(404)
        return view(*args, **kwargs)

    return wrapper


def mandate_required(service: str):
    def decorator(view):
        @organisation_required
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not acting().has_mandate(service):
                abort(404)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def level_required(level: str):
    """Below this level the user is offered the ways to reach it (the step-up page) instead of a refusal."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_redirect()
            if not level_at_least(acting().level, level):
                # After stepping up the user comes back by GET: to the page, not to a POST-only action.
                back = request.path if request.method == "GET" else _referring_path()
                return redirect(url_for("accounts.step_up", level=level, next=back))
            return view(*args, **kwargs)

        return wrapper

    return decorator

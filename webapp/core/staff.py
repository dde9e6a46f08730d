"""Staff (back-office) pages: every module's hang under /beheer, in a blueprint made here, and the
staff dashboard at /beheer links them all (each module lists its own in `Module.staff_pages`)."""

from flask import Blueprint, abort
from flask_login import current_user

from webapp.core.auth import login_redirect


def staff_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    """A blueprint whose every page is for the issuer's staff only, under /beheer."""
    blueprint = Blueprint(name, import_name, url_prefix="/beheer" + url_prefix)
    blueprint.before_request(_staff_only)
    return blueprint


def _staff_only():
    if not current_user.is_authenticated:
        return login_redirect()
    if not current_user.is_staff:
        abort(404)
    return None

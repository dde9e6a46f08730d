"""Staff (back-office) pages: every module's hang under /beheer, in a blueprint made here, and the
staff dashboard at /beheer links them all (each module lists its own in `Module.staff_pages`)."""
from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user


def staff_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    """A blueprint whose every page is for the issuer's staff only, under /beheer."""
    blueprint = Blueprint(name, import_name, url_prefix="/beheer" + url_prefix)
    blueprint.before_request(_staff_only)
    return blueprint


def _staff_only():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path if request.query_string else request.path))
    if not current_user.is_staff:
        abort(404)
    return None

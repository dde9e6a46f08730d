"""Part A's pages for the student: the overview (a task list), a section's page (every field saves itself as the
student leaves it; "Opslaan en sluiten" saves the whole section without JavaScript), check answers and sending to a
mentor, and "Blijf ingelogd". Thin: the rules are in part_a.py, the fields in formdef.py."""

import math
from datetime import timedelta
from functools import wraps

from flask import Blueprint, abort, current_app, flash, g, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from webapp.accounts.sessions import current_login
from webapp.core.auth import login_redirect, login_required
from webapp.core.errors import DomainError
from webapp.core.htmx import redirect_after_post, render
from webapp.core.timeutil import utcnow
from webapp.dossiers import formdef, part_a, states
from webapp.dossiers.actors import student_required
from webapp.dossiers.filling_views import SECTION_TEMPLATE, Pages, autosave, save_section
from webapp.extensions import limiter

bp = Blueprint("dossiers_part_a", __name__, url_prefix="/doorstroomdossier/dossier")

KEPT_COOKIE = "loket_deel_a"  # the token of answers posted after the session ended (part_a.keep_for_later)
SECONDS_LEFT_HEADER = "X-Session-Seconds-Left"  # what the session warning script counts down from
WARN_BEFORE = timedelta(minutes=5)
KEEP_LIMITS = "120 per hour"  # sections kept for a later login, per address (a school's students share one)
CSRF_HEADER = "X-CSRF-Token"  # a fresh token for the page's form once the session has ended


def _logged_in() -> bool:
    return current_user.is_authenticated


def _help_url():
    """The dossiers' help page, when the module that makes it is installed."""
    if "dossiers_student.help" in current_app.view_functions:
        return url_for("dossiers_student.help")
    return None


def _seconds_left() -> int | None:
    login = current_login()
    if login is None:
        return None
    return max(0, math.ceil((login.expires_at - utcnow()).total_seconds()))  # the page never ends it too soon


def _lifetime():
    """How long the session lasts when idle (the accounts' rule: a remembered session the longer lifetime)."""
    login = current_login()
    return current_app.config["PERMANENT_SESSION_LIFETIME" if login and login.remember else "SESSION_IDLE"]


def _warn_seconds() -> int:
    """How long before the session ends its warning shows: five minutes, less for a short session."""
    return int(min(WARN_BEFORE, _lifetime() / 4).total_seconds())


def _with_seconds_left(response):
    seconds = _seconds_left()
    if seconds is not None:
        response.headers[SECONDS_LEFT_HEADER] = str(seconds)
    return response


def _session_ended():
    """What a script's request hears when the session has ended: 401, and a CSRF token for the page's form (the
    ended session took the old one along), so the script can post the section to keep its answers."""
    response = current_app.make_response(("", 401))
    response.headers[CSRF_HEADER] = generate_csrf()
    return response


def keeps_answers_when_logged_out(view):
    """A section posted after the session ended loses nothing: its answers are kept (bound to the dossier, and
    applied after the next login only if it is that student's), the browser gets their token in a cookie and goes
    to the login, which leads back to the section. An autosave that finds the session ended answers 401, so the
    page's script posts the whole section this way."""

    @wraps(view)
    def wrapper(dossier_id, section_key, *args, **kwargs):
        if current_user.is_authenticated or request.method != "POST":
            return view(dossier_id, section_key, *args, **kwargs)  # a page asked for: the login, as always
        if request.htmx:
            return _session_ended()
        token = part_a.keep_for_later(dossier_id, section_key, request.form)
        flash("Je sessie was verlopen. Log opnieuw in: daarna worden je antwoorden opgeslagen.", "warning")
        response = login_redirect()
        if token is not None:
            response.set_cookie(
                KEPT_COOKIE,
                token,
                max_age=int(part_a.KEEP_FOR.total_seconds()),
                path=bp.url_prefix,
                secure=current_app.config["SESSION_COOKIE_SECURE"],
                httponly=True,
                samesite="Lax",
            )
        return response

    return wrapper


def _apply_kept_answers(response_for):
    """After a login: store the answers posted while the session had ended (see keeps_answers_when_logged_out)."""
    token = request.cookies.get(KEPT_COOKIE)
    if not token:
        return None
    applied = part_a.apply_kept(g.student, token)
    if applied is None:
        response = response_for()
    else:
        dossier, section, problems = applied
        if problems:
            flash("Je antwoorden van voor het inloggen zijn opgeslagen, behalve de velden met een fout.", "warning")
        else:
            flash(f"Je antwoorden bij {section.title} van voor het inloggen zijn opgeslagen.", "success")
        response = redirect(url_for("dossiers_part_a.section", dossier_id=dossier.id, section_key=section.key), 303)
    response.delete_cookie(KEPT_COOKIE, path=bp.url_prefix)
    return response


def _pages(dossier) -> Pages:
    return Pages(
        "Deel A",
        url_for("dossiers_part_a.overview", dossier_id=dossier.id),
        "dossiers_part_a.section",
        "dossiers_part_a.save_field",
        {"dossier_id": dossier.id},
        open_note='Velden met "(niet verplicht)" mag je leeg laten. Elk veld wordt opgeslagen zodra je het verlaat.',
        closed_note=f"Deel A is verstuurd ({states.STATES[dossier.state].label.lower()}) en kan nu niet worden "
        "gewijzigd.",
        session_warning=True,
    )


def _context(dossier, given=None):
    given = part_a.answers(dossier) if given is None else given
    return {
        "pages": _pages(dossier),
        "dossier": dossier,
        "programme": dossier.programme,
        "college": dossier.programme.college,
        "state_label": states.STATES[dossier.state].label,
        "open": part_a.is_open(dossier),
        "given": given,
        "section_states": part_a.section_states(dossier, given),
        "progress": part_a.progress(dossier, given),
        "groups": formdef.groups(),
        "formdef": formdef,
        "shown": part_a.shown,
        "help_url": _help_url(),
        "seconds_left": _seconds_left(),
        "warn_seconds": _warn_seconds(),
    }


@bp.get("/<int:dossier_id>", endpoint="overview")
@student_required
def overview(dossier_id):
    dossier = part_a.get_dossier(g.student, dossier_id)
    kept = _apply_kept_answers(lambda: redirect(request.path, 303))
    if kept is not None:
        return kept
    return _with_seconds_left(render("dossiers/part_a/overview.html", **_context(dossier)))


def _section_page(dossier, section, *, values=None, problems=None, status=200):
    context = _context(dossier)
    states_by_key = {item.section.key: item for item in context["section_states"]}
    return _with_seconds_left(
        render(
            SECTION_TEMPLATE,
            section=section,
            section_state=states_by_key[section.key],
            values=values if values is not None else context["given"],
            problems=problems or {},
            status=status,
            **context,
        )
    )


@bp.route("/<int:dossier_id>/deel-a/<section_key>", methods=["GET", "POST"], endpoint="section")
@limiter.limit(KEEP_LIMITS, methods=["POST"], scope="dossiers-kept-answers", exempt_when=_logged_in)
@keeps_answers_when_logged_out
@student_required
def section(dossier_id, section_key):
    dossier = part_a.get_dossier(g.student, dossier_id)
    section = part_a.get_section(section_key)
    if request.method == "GET":
        kept = _apply_kept_answers(lambda: redirect(request.path, 303))
        if kept is not None:
            return kept
        return _section_page(dossier, section)
    return save_section(
        section,
        lambda: part_a.save_section(dossier, section, request.form),
        lambda: part_a.answers(dossier),
        lambda **shown: _section_page(dossier, section, **shown),
        url_for("dossiers_part_a.overview", dossier_id=dossier.id),
    )


@bp.post("/<int:dossier_id>/deel-a/<section_key>/veld/<field_key>", endpoint="save_field")
@keeps_answers_when_logged_out
@login_required
def save_field(dossier_id, section_key, field_key):
    """Autosave: one field, answered with its own fragment and the section's progress out of band. The dossier is
    found by the account its student made (the same rule as student_required, in the one query)."""
    dossier = part_a.dossier_of_account(current_user.id, dossier_id)
    section = part_a.get_section(section_key)
    field = formdef.FIELDS.get(field_key)
    if field is None or formdef.SECTION_OF_FIELD[field_key] is not section:
        abort(404)
    return _with_seconds_left(
        autosave(
            _pages(dossier),
            section,
            field,
            lambda: part_a.save_field(dossier, field_key, request.form),
            lambda: part_a.is_open(dossier),
            lambda: part_a.answers(dossier),
            lambda given: part_a.progress(dossier, given),
            dossier=dossier,
        )
    )


@bp.get("/<int:dossier_id>/deel-a/controleren", endpoint="check")
@student_required
def check(dossier_id):
    dossier = part_a.get_dossier(g.student, dossier_id)
    return _check_page(dossier)


def _check_page(dossier, *, error=None, status=200):
    context = _context(dossier)
    complete = context["progress"] == 100
    return _with_seconds_left(
        render(
            "dossiers/part_a/check.html",
            complete=complete,
            mentors=part_a.mentors_for(dossier) if complete and context["open"] else [],
            error=error,
            status=status,
            **context,
        )
    )


@bp.post("/<int:dossier_id>/deel-a/versturen", endpoint="send")
@student_required
def send(dossier_id):
    dossier = part_a.get_dossier(g.student, dossier_id)
    try:
        mentor = part_a.send_to_mentor(dossier, request.form.get("mentor", type=int), g.student.user)
    except DomainError as refused:
        return _check_page(dossier, error=refused.message, status=409)
    flash(f"Deel A is verstuurd naar {mentor.user.full_name}.", "success")
    return redirect_after_post(url_for("dossiers_part_a.overview", dossier_id=dossier.id))


@bp.post("/sessie-verlengen", endpoint="stay_logged_in")
def stay_logged_in():
    """Blijf ingelogd: the session starts its idle time again; the answer says how long it now has (401 when it
    had ended already)."""
    if not current_user.is_authenticated:
        return _session_ended()
    return _stay_logged_in()


@student_required
def _stay_logged_in():
    login = current_login()
    login.last_seen_at = utcnow()
    login.expires_at = login.last_seen_at + _lifetime()
    return _with_seconds_left(current_app.make_response(("", 204)))

"""The organisation's pages of the register (behind eHerkenning at EH2+ with the mandate): the start page with the
open requests' warning and Koppel een persoon, the Gevraagde koppelingen, Meerdere personen tegelijk koppelen and
Gegevens van uw organisatie. Thin: the rules are linking.py's.

Link attempts (Koppel een persoon and each bulk post) are rate-limited per employee and per organisation, whose
counters every linking page shares: guessing birth dates is as slow on one page as on another."""

from flask import Blueprint, current_app, flash, g, redirect, request, url_for

from webapp.core.errors import DomainError
from webapp.core.forms import add_error
from webapp.core.htmx import redirect_after_post, render
from webapp.core.ids import whole_number
from webapp.extensions import limiter
from webapp.register import forms, linking
from webapp.register.actors import organisation_required

bp = Blueprint("register", __name__, url_prefix="/personenregister/organisatie")


def _employee_key() -> str:
    actor = g.register_actor
    return f"{actor.organisation_id}:{actor.subject or f'user-{actor.user_id}'}"


def _organisation_key() -> str:
    return str(g.register_actor.organisation_id)


per_employee = limiter.shared_limit(
    lambda: current_app.config["REGISTER_LINK_LIMITS_EMPLOYEE"],
    scope="register-link-employee",
    key_func=_employee_key,
    methods=["POST"],
)
per_organisation = limiter.shared_limit(
    lambda: current_app.config["REGISTER_LINK_LIMITS_ORGANISATION"],
    scope="register-link-organisation",
    key_func=_organisation_key,
    methods=["POST"],
)


def _rows_posted() -> int:
    """What a bulk post costs: its rows (the non-empty ones of the form, the non-empty lines of the file)."""
    if request.endpoint == "register.link_csv":
        upload = request.files.get("file")
        if upload is None:
            return 1
        head = upload.stream.read(linking.MAX_UPLOAD_BYTES + 1)
        upload.stream.seek(0)
        return max(1, sum(1 for line in head.splitlines() if line.strip()))
    filled = {name.rsplit("-", 1)[0] for name, value in request.form.items() if name.startswith("rows-") and value}
    return max(1, len(filled))


per_organisation_rows = limiter.shared_limit(
    lambda: current_app.config["REGISTER_BULK_LIMITS_ORGANISATION"],
    scope="register-bulk-organisation",
    key_func=_organisation_key,
    methods=["POST"],
    cost=_rows_posted,
)


def link_attempt(view):
    """Counted against both limits; inside organisation_required, so the keys know who acts."""
    return organisation_required(per_employee(per_organisation(view)))


def bulk_link_attempt(view):
    """A bulk post is one attempt, and its rows count against the organisation's daily rows: guessing birth dates
    by the file keeps to about the single form's pace."""
    return organisation_required(per_employee(per_organisation(per_organisation_rows(view))))


# -- Start page and Koppel een persoon -----------------------------------------------------------------------------


@bp.get("", endpoint="home")
@organisation_required
def home():
    return _home(forms.LinkForm(formdata=None))


def _home(form, status: int = 200):
    actor = g.register_actor
    return render(
        "register/home.html",
        form=form,
        organisation=actor.organisation,
        open_count=linking.open_request_count(actor),
        status=status,
    )


@bp.post("/koppelen", endpoint="link")
@link_attempt
def link():
    form = forms.LinkForm()
    if form.validate_on_submit():
        try:
            made = linking.link_person(g.register_actor, form.bsn.data, form.birth_date.data, form.unlink_on.data)
        except DomainError as error:
            add_error(form, error)
        else:
            flash(f"{made.person.name} is gekoppeld aan uw organisatie.", "success")
            return redirect_after_post(url_for("register.home"))
    return _home(form, status=400)


# -- Gevraagde koppelingen -----------------------------------------------------------------------------------------


@bp.get("/verzoeken", endpoint="requests")
@organisation_required
def requests_page():
    return _requests_page()


def _requests_page(status: int = 200):
    actor = g.register_actor
    open_requests = linking.open_requests(actor)
    return render(
        "register/requests.html",
        requests=open_requests,
        open_count=len(open_requests),
        masked_bsn=linking.masked_bsn,
        status=status,
    )


@bp.post("/verzoeken/<int:request_id>/koppelen", endpoint="accept")
@organisation_required
def accept(request_id):
    try:
        answered = linking.accept(g.register_actor, request_id)
    except DomainError as error:
        return _answered(request_id, error.message, "error")
    return _answered(request_id, f"{answered.person.name} is gekoppeld aan uw organisatie.", "success")


@bp.route("/verzoeken/<int:request_id>/afwijzen", methods=["GET", "POST"], endpoint="reject")
@organisation_required
def reject(request_id):
    """Afwijzen: a small page with the optional reason (also without JavaScript), then its post."""
    actor = g.register_actor
    link_request = linking.get_request(actor, request_id)
    form = forms.RejectForm()
    if form.validate_on_submit():
        try:
            linking.reject(actor, request_id, form.reason.data)
        except DomainError as error:
            if error.field is None:  # answered a moment ago (another tab, another employee)
                return _answered(request_id, error.message, "error")
            form.reason.data = ""  # it held a BSN: not back into the page
            add_error(form, error)
        else:
            return _answered(request_id, f"Het koppelverzoek van {link_request.person.name} is afgewezen.", "success")
    if request.method == "GET" and link_request.state != "open":
        return redirect(url_for("register.requests"))
    return render(
        "register/requests_reject.html",
        link_request=link_request,
        form=form,
        masked_bsn=linking.masked_bsn,
        status=400 if request.method == "POST" else 200,
    )


def _answered(request_id: int, message: str, category: str):
    """After Koppelen or Afwijzen: for htmx the row goes, the message and the warning come out of band; without
    it, or when none is left, back to the list with the message."""
    open_count = linking.open_request_count(g.register_actor)
    if request.htmx and request.form.get("rij") and open_count:
        return render(
            "register/requests.html",
            "answered",
            oob=("request_warning",),
            message=message,
            category=category,
            open_count=open_count,
        )
    flash(message, category)  # (the last one answered: the whole page again, which says none is left)
    return redirect_after_post(url_for("register.requests"))


@bp.post("/verzoeken/selectie", endpoint="confirm_many")
@organisation_required
def confirm_many():
    """Koppel alle geselecteerde, step one: the confirmation page with the chosen persons (no JavaScript needed)."""
    actor = g.register_actor
    ids = _chosen_ids()
    chosen = [linking.get_request(actor, request_id) for request_id in ids]
    chosen = [link_request for link_request in chosen if link_request.state == "open"]
    if not chosen:
        flash("Kies eerst een of meer gevraagde koppelingen.", "error")
        return redirect_after_post(url_for("register.requests"))
    return render("register/requests_confirm.html", chosen=chosen, masked_bsn=linking.masked_bsn)


@bp.post("/verzoeken/selectie/koppelen", endpoint="accept_many")
@organisation_required
def accept_many():
    answered = linking.accept_many(g.register_actor, _chosen_ids())
    if len(answered) == 1:
        flash(f"{answered[0].person.name} is gekoppeld aan uw organisatie.", "success")
    elif answered:
        flash(f"{len(answered)} personen zijn gekoppeld aan uw organisatie.", "success")
    return redirect_after_post(url_for("register.requests"))


def _chosen_ids() -> list[int]:
    return [number for number in map(whole_number, request.form.getlist("verzoek")) if number][:500]


# -- Meerdere personen tegelijk koppelen ---------------------------------------------------------------------------


@bp.route("/meerdere", methods=["GET", "POST"], endpoint="link_many")
@bulk_link_attempt  # the posts only
def link_many():
    """The rows form (posted here) and the CSV upload (posted to link_csv); a post answers with the report."""
    if request.method == "GET":
        return _link_many(forms.LinkRowsForm(formdata=None), forms.UploadForm(formdata=None))
    rows_form = forms.LinkRowsForm()
    try:
        if not rows_form.validate_on_submit():
            raise DomainError("Het formulier is verlopen of ongeldig. Probeer het opnieuw.")
        results = linking.link_rows(g.register_actor, rows_form.link_rows(request.form))
        if not results:
            raise DomainError("Vul ten minste één rij in.")
    except DomainError as error:
        add_error(rows_form, error)
        return _link_many(rows_form, forms.UploadForm(formdata=None), status=400)
    return _report(results)


def _link_many(rows_form, upload_form, status: int = 200):
    return render(
        "register/link_many.html",
        rows_form=rows_form,
        rows=range(forms.ROWS),
        upload_form=upload_form,
        max_rows=linking.MAX_ROWS,
        status=status,
    )


@bp.post("/meerdere/bestand", endpoint="link_csv")
@bulk_link_attempt
def link_csv():
    upload_form = forms.UploadForm()
    upload = upload_form.file.data if upload_form.validate_on_submit() else None
    try:
        if upload is None or not upload.filename:
            raise DomainError("Kies een CSV-bestand.", "file")
        results = linking.link_csv(g.register_actor, upload.stream.read(linking.MAX_UPLOAD_BYTES + 1))
        if not results:
            raise DomainError("Het bestand heeft geen regels met een BSN.", "file")
    except DomainError as error:
        add_error(upload_form, error)
        return _link_many(forms.LinkRowsForm(formdata=None), upload_form, status=400)
    return _report(results)


def _report(results):
    """The row-by-row report, answered to the post itself: it holds what this post did and nothing to keep, and
    posting the same rows again links nobody twice (each says so)."""
    linked = [result for result in results if result.linked]
    return render("register/link_report.html", results=results, linked=len(linked), refused=len(results) - len(linked))


# -- Gegevens van uw organisatie -----------------------------------------------------------------------------------


@bp.get("/gegevens", endpoint="organisation")
@organisation_required
def organisation():
    return render("register/organisation.html", organisation=g.register_actor.organisation)

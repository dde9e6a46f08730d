"""Download certificaten: the holder list with the selection, the options, the requests, verification."""
import uuid
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, flash, redirect, request, send_file, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import MultiDict

from webapp.core.auth import acting, mandate_required
from webapp.core.errors import DomainError, NotFound
from webapp.core.htmx import redirect_after_post, render
from webapp.core.ids import whole_number
from webapp.passes import services
from webapp.passes.models import SELECTION_LIMIT

bp = Blueprint("passes", __name__)


def _list_url(filters: services.Filters | None = None) -> str:
    """The list with these filters (defaults and empty fields left out), or else with the filters a
    no-JS post carried back."""
    query = urlencode((_carried_filters() if filters is None else filters).args())
    return url_for("passes.index") + ("?" + query if query else "")


def _carried_filters() -> services.Filters:
    """The list's filters that a row's post carries back in `terug` (their query string), read anew as
    the list reads them: whatever else the field holds goes nowhere, not into a Location or a link."""
    return services.Filters.from_args(MultiDict(parse_qsl(request.form.get("terug", ""))))


def _list_context(filters: services.Filters, details: int | None = None):
    user_id = current_user.id
    organisations, exam_types = services.list_choices(user_id)
    page = services.holder_list(user_id, filters, organisations)
    opened = None
    if details:
        try:
            opened = services.holder_details(user_id, details, [o.id for o in organisations])
        except NotFound:
            opened = None
    return dict(page=page, filters=filters, organisations=organisations, exam_types=exam_types,
                summary=page.summary, opened=opened, limit=SELECTION_LIMIT,
                **_row_context(urlencode(filters.args()), organisations))


def _row_context(query: str, organisations: list) -> dict:
    """What every holder row needs, computed once per response: the list's URL (the row's links and
    forms hang under it: /houders/<id>, /selectie/<id>/toevoegen|verwijderen), the list's query string
    (the filters, encoded) ready to append to, the CSRF token, and whether rows name their organisation."""
    return dict(base=url_for("passes.index"), csrf=generate_csrf(), query=query,
                query_string="?" + query if query else "", query_and=query + "&" if query else "",
                show_organisation=len(organisations) > 1)


@bp.get("/pasjes")
@mandate_required("passes")
def index():
    filters = services.Filters.from_args(request.args)
    details = whole_number(request.args.get("details"))
    if not request.htmx and "" in request.args.values():
        # the filter form without JavaScript sends its empty fields too: on to the clean URL htmx pushes
        return redirect(url_for("passes.index", details=details, **filters.args()))
    response = render("passes/index.html", "list", oob=("result_count",), **_list_context(filters, details))
    if request.htmx and not request.htmx.history_restore_request:
        response.headers["HX-Push-Url"] = _list_url(filters)  # not the form's empty fields: a clean URL to bookmark
    return response


@bp.get("/pasjes/houders/<int:link_id>")
@mandate_required("passes")
def holder_row(link_id):
    """One holder's rows (htmx "Bekijk details" toggle); ?open=1 shows the qualifications."""
    return _holder_rows(link_id, request.args)


def _holder_rows(link_id: int, values, query: str | None = None, **counter):
    """A holder's rows as the list shows them, opened when values say open=1; `values` also carry the
    list's filters (the query string, or a post's fields with the list's query string in `query`).

    For htmx: the holder's <tbody> as the response's top element (htmx 2 parses it in a <template>, so
    the table parts survive; the row's hx-target is that <tbody>, swapped outerHTML), with `counter`
    (the selection summary and a message) the counter out of band. Without JavaScript: back to the list."""
    user_id = current_user.id
    organisations = services.scope_organisations(user_id)
    link, qualifications = services.holder_details(user_id, link_id, [o.id for o in organisations])
    filters = services.Filters.from_args(values)
    opened = values.get("open") == "1"
    if not request.htmx:
        return redirect(url_for("passes.index", details=link.id if opened else None, **filters.args())
                        + f"#holder-{link.id}")
    return render("passes/index.html", "row", oob=("counter",) if counter else (),
                  link=link, holder=link.holder, selected=services.is_selected(user_id, link.holder_id),
                  opened=(link, qualifications) if opened else None, filters=filters, **counter,
                  **_row_context(urlencode(filters.args()) if query is None else query, organisations))


def _row_response(link_id: int, message: str | None):
    return _holder_rows(link_id, request.form, urlencode(_carried_filters().args()),
                        summary=services.selection_summary(current_user.id), limit=SELECTION_LIMIT, message=message)


@bp.post("/pasjes/selectie/<int:link_id>/toevoegen")
@mandate_required("passes")
def add(link_id):
    services.link_in_scope(current_user.id, link_id)
    result = services.add_to_selection(current_user.id, [link_id])
    message = f"Er kunnen maximaal {SELECTION_LIMIT} kwalificatiehouders in één verzoek; deze is niet toegevoegd." if result.capped else None
    if request.htmx:
        return _row_response(link_id, message)
    if message:
        flash(message, "error")
    return redirect(_list_url(), code=303)


@bp.post("/pasjes/selectie/<int:link_id>/verwijderen")
@mandate_required("passes")
def remove(link_id):
    services.link_in_scope(current_user.id, link_id)
    services.remove_from_selection(current_user.id, link_id)
    if request.htmx:
        return _row_response(link_id, None)
    return redirect(_list_url(), code=303)


@bp.post("/pasjes/selectie/alle-toevoegen")
@mandate_required("passes")
def add_all():
    filters = services.Filters.from_args(request.form)
    result = services.add_all_to_selection(current_user.id, filters)
    if result.capped:
        flash(f"{result.added} kwalificatiehouder(s) toegevoegd. Er kunnen maximaal {SELECTION_LIMIT} in één verzoek; "
              "de rest is niet toegevoegd.", "error")
    else:
        flash(f"{result.added} kwalificatiehouder(s) toegevoegd.", "success")
    return redirect_after_post(_list_url(filters))


@bp.post("/pasjes/selectie/alle-verwijderen")
@mandate_required("passes")
def remove_all():
    filters = services.Filters.from_args(request.form)
    services.clear_selection(current_user.id)
    flash("Alle kwalificatiehouders zijn uit de selectie verwijderd.", "success")
    return redirect_after_post(_list_url(filters))


@bp.route("/pasjes/verzoek", methods=["GET", "POST"])
@mandate_required("passes")
def submit():
    summary = services.selection_summary(current_user.id)
    errors = []
    if request.method == "POST":
        try:
            pass_request = services.submit_request(
                current_user.id, acting().organisation_id, request.form.get("sleutel", ""),
                reference=request.form.get("kenmerk", ""),
                exam_type_ids=[n for n in map(whole_number, request.form.getlist("examentypes")) if n],
                expiry_dates=[d.isoformat() for d in (services.parse_date(v) for v in request.form.getlist("vervaldata")) if d],
            )
        except DomainError as error:
            errors.append(error.message)
        else:
            flash(f"Uw verzoek{' ' + pass_request.reference if pass_request.reference else ''} is ingediend; "
                  "de pasjes worden nu aangemaakt.", "success")
            return redirect_after_post(url_for("passes.requests"))
    expiry_dates = services.selection_expiry_dates(current_user.id)
    return render("passes/submit.html", summary=summary, exam_types=services.selection_exam_types(current_user.id),
                  expiry_dates=expiry_dates, key=uuid.uuid4().hex, errors=errors, form=request.form,
                  status=400 if errors else 200)


@bp.get("/pasjes/verzoeken")
@mandate_required("passes")
def requests():
    rows = services.my_requests(current_user.id)
    for row in rows:
        services.settle(row)
    return render("passes/requests.html", requests=rows, closed=services.closed_requests(current_user.id, rows))


@bp.get("/pasjes/verzoeken/<int:request_id>")
@mandate_required("passes")
def request_row(request_id):
    """What htmx polls while a request is built: its status cell; once final, the whole row (without the
    poll, announcing the result) with status 286, htmx's sign to stop polling. Without htmx, the list at that row."""
    row = services.my_request(current_user.id, request_id)
    if not request.htmx:
        return redirect(url_for("passes.requests") + f"#request-{row.id}")
    services.settle(row)
    closed = services.closed_requests(current_user.id, [row])
    if not row.is_finished and row.id not in closed:
        return render("passes/requests.html", "request_status", row=row, closed=closed)
    response = render("passes/requests.html", "request_row", row=row, closed=closed, announce=True, status=286)
    response.headers["HX-Retarget"] = f"#request-{row.id}"
    response.headers["HX-Reswap"] = "outerHTML"
    return response


@bp.get("/pasjes/verzoeken/<int:request_id>/download")
@mandate_required("passes")
def download(request_id):
    path = services.download_path(current_user.id, request_id)
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name=path.name, max_age=0)


@bp.post("/pasjes/verzoeken/<int:request_id>/opnieuw")
@mandate_required("passes")
def retry(request_id):
    try:
        services.retry_request(current_user.id, request_id)
    except DomainError as error:
        flash(error.message, "error")
    return redirect_after_post(url_for("passes.requests"))


@bp.get("/pasjes/verificatie/<token>")
def verify(token):
    qualification = services.verification(token)
    return render("passes/verify.html", qualification=qualification, holder=qualification.holder)

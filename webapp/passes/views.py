"""Download certificaten: the holder list with the selection, the options, the requests, verification."""

import uuid

from flask import Blueprint, flash, redirect, request, url_for

from webapp.core.auth import acting, mandate_required
from webapp.core.errors import DomainError, NotFound
from webapp.core.htmx import redirect_after_post, render
from webapp.core.ids import whole_number
from webapp.core.storage import send
from webapp.core.timeutil import format_date
from webapp.passes import forms, services
from webapp.passes import render as render_pass
from webapp.passes.models import SELECTION_LIMIT

bp = Blueprint("passes", __name__)


def _list_url(filters=None) -> str:
    """The list with these filters, or else with the filters a no-JavaScript post carried back in `terug`."""
    return url_for(
        "passes.index", **forms.list_args(forms.carried_filters(request.form) if filters is None else filters)
    )


@bp.get("/pasjes")
@mandate_required("passes")
def index():
    filters = forms.list_filters(request.args)
    details = whole_number(request.args.get("details"))
    if not request.htmx and "" in request.args.values():
        # the filter form without JavaScript sends its empty fields too: on to the clean URL htmx pushes
        return redirect(url_for("passes.index", details=details, **forms.list_args(filters)))
    context = acting()
    organisations, exam_types = services.list_choices(context)
    page = services.holder_list(context, filters, organisations)
    opened = None
    if details:
        try:
            opened = services.holder_details(context, details, [o.id for o in organisations])
        except NotFound:
            opened = None
    return render(
        "passes/index.html",
        "list",
        oob=("result_count",),
        page=page,
        filters=filters,
        organisations=organisations,
        exam_types=exam_types,
        summary=page.summary,
        opened=opened,
        limit=SELECTION_LIMIT,
        show_organisation=len(organisations) > 1,
        **forms.list_query(filters),
        push_url=_list_url(filters),  # not the form's empty fields: a clean URL to bookmark
    )


@bp.get("/pasjes/houders/<int:holder_organisation_id>")
@mandate_required("passes")
def holder_row(holder_organisation_id):
    """ "Bekijk details": one holder's rows, opened with ?open=1 (htmx swaps them in). The link carries the
    same URL without JavaScript, which lands on the list with the holder's details open (or closed)."""
    return _holder_rows(holder_organisation_id, request.args, forms.list_filters(request.args))


def _holder_rows(holder_organisation_id: int, values, filters, **counter):
    """A holder's rows as the list shows them, opened when `values` say open=1, under these filters.

    For htmx: the holder's <tbody> as the response's top element (htmx 2 parses it in a <template>, so
    the table parts survive; the row's hx-target is that <tbody>, swapped outerHTML), with `counter`
    (the selection summary and a message) the counter out of band. Without JavaScript: back to the list."""
    context = acting()
    organisations = services.scope_organisations(context)
    holder_organisation, qualifications = services.holder_details(
        context, holder_organisation_id, [o.id for o in organisations]
    )
    opened = values.get("open") == "1"
    if not request.htmx:
        return redirect(
            url_for(
                "passes.index",
                details=holder_organisation.id if opened else None,
                _anchor=f"holder-{holder_organisation.id}",
                **forms.list_args(filters),
            )
        )
    return render(
        "passes/index.html",
        "row",
        oob=("counter",) if counter else (),
        row=holder_organisation,
        holder=holder_organisation.holder,
        selected=services.is_selected(context, holder_organisation.holder_id),
        opened=(holder_organisation, qualifications) if opened else None,
        filters=filters,
        show_organisation=len(organisations) > 1,
        **forms.list_query(filters),
        **counter,
    )


def _row_response(holder_organisation_id: int, message: str | None):
    return _holder_rows(
        holder_organisation_id,
        request.form,
        forms.carried_filters(request.form),
        summary=services.selection_summary(acting()),
        limit=SELECTION_LIMIT,
        message=message,
    )


@bp.post("/pasjes/selectie/<int:holder_organisation_id>/toevoegen")
@mandate_required("passes")
def add(holder_organisation_id):
    services.holder_organisation_in_scope(acting(), holder_organisation_id)
    result = services.add_to_selection(acting(), [holder_organisation_id])
    message = (
        f"Er kunnen maximaal {SELECTION_LIMIT} kwalificatiehouders in één verzoek; deze is niet toegevoegd."
        if result.capped
        else None
    )
    if request.htmx:
        return _row_response(holder_organisation_id, message)
    if message:
        flash(message, "error")
    return redirect(_list_url(), code=303)


@bp.post("/pasjes/selectie/<int:holder_organisation_id>/verwijderen")
@mandate_required("passes")
def remove(holder_organisation_id):
    services.remove_from_selection(acting(), holder_organisation_id)
    if request.htmx:
        return _row_response(holder_organisation_id, None)
    return redirect(_list_url(), code=303)


@bp.post("/pasjes/selectie/alle-toevoegen")
@mandate_required("passes")
def add_all():
    filters = forms.list_filters(request.form)
    result = services.add_all_to_selection(acting(), filters)
    if result.capped:
        flash(
            f"{result.added} kwalificatiehouder(s) toegevoegd. Er kunnen maximaal {SELECTION_LIMIT} in één verzoek; "
            "de rest is niet toegevoegd.",
            "error",
        )
    else:
        flash(f"{result.added} kwalificatiehouder(s) toegevoegd.", "success")
    return redirect_after_post(_list_url(filters))


@bp.route("/pasjes/selectie/alle-verwijderen", methods=["GET", "POST"])
@mandate_required("passes")
def remove_all():
    """Verwijder alle: first a page that asks (the list links here with its filters), then its post."""
    filters = forms.list_filters(request.values)
    if request.method == "POST":
        services.clear_selection(acting())
        flash("Alle kwalificatiehouders zijn uit de selectie verwijderd.", "success")
        return redirect_after_post(_list_url(filters))
    count = services.selection_summary(acting()).count
    return render(
        "confirm.html",
        question=f"Weet u zeker dat u alle {count} kwalificatiehouders uit de selectie wilt verwijderen?"
        if count
        else "Alle kwalificatiehouders uit de selectie verwijderen",
        nothing_to_do="" if count else "Uw selectie is leeg: er is niets te verwijderen.",
        explanation="Ze worden alleen uit uw selectie gehaald; de kwalificatiehouders zelf blijven bestaan.",
        action=url_for("passes.remove_all"),
        button="Ja, verwijder alle",
        cancel=_list_url(filters),
        hidden=forms.list_args(filters),
    )


@bp.route("/pasjes/verzoek", methods=["GET", "POST"])
@mandate_required("passes")
def submit():
    context = acting()
    errors = []
    if request.method == "POST":
        try:
            pass_request = services.submit_request(context, **forms.request_options(request.form))
        except DomainError as error:
            errors.append(error.message)
        else:
            flash(
                f"Uw verzoek{' ' + pass_request.reference if pass_request.reference else ''} is ingediend; "
                "de pasjes worden nu aangemaakt.",
                "success",
            )
            return redirect_after_post(url_for("passes.requests"))
    return render(
        "passes/submit.html",
        summary=services.selection_summary(context),  # after a refused submit: as it is now (another tab's took it)
        exam_types=services.selection_exam_types(context),
        expiry_dates=services.selection_expiry_dates(context),
        key=uuid.uuid4().hex,
        errors=errors,
        form=request.form,
        status=400 if errors else 200,
    )


@bp.get("/pasjes/verzoeken")
@mandate_required("passes")
def requests():
    """Ingestuurde verzoeken, searched by kenmerk (Zoek): htmx swaps the table as one types."""
    context = acting()
    search = forms.request_search(request.args)
    rows = services.my_requests(context, search)
    for row in rows:
        services.settle(row)
    return render(
        "passes/requests.html",
        "request_table",
        oob=("request_count",),
        requests=rows,
        total=services.my_request_count(context) if search else len(rows),
        search=search,
        closed=services.closed_requests(context, rows),
        push_url=url_for("passes.requests", zoek=search or None),
    )


@bp.get("/pasjes/verzoeken/<int:request_id>")
@mandate_required("passes")
def request_row(request_id):
    """What htmx polls while a request is built: its status cell; once final, the whole row (without the
    poll, announcing the result) with status 286, htmx's sign to stop polling. Without htmx, the list at that row."""
    context = acting()
    row = services.my_request(context, request_id)
    if not request.htmx:
        return redirect(url_for("passes.requests", _anchor=f"request-{row.id}"))
    services.settle(row)
    closed = services.closed_requests(context, [row])
    if not row.is_finished and row.id not in closed:
        return render("passes/requests.html", "request_status", row=row, closed=closed)
    response = render("passes/requests.html", "request_row", row=row, closed=closed, announce=True, status=286)
    response.headers["HX-Retarget"] = f"#request-{row.id}"
    response.headers["HX-Reswap"] = "outerHTML"
    return response


@bp.get("/pasjes/verzoeken/<int:request_id>/download")
@mandate_required("passes")
def download(request_id):
    return send(services.download(acting(), request_id))


@bp.route("/pasjes/verzoeken/<int:request_id>/verwijderen", methods=["GET", "POST"])
@mandate_required("passes")
def delete_request(request_id):
    """Verwijderen: a page that asks first (works without JavaScript), then its post; the requester's only."""
    context = acting()
    if request.method == "POST":
        try:
            deleted = services.delete_request(context, request_id)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(f"Verzoek {_request_name(deleted)} is verwijderd.", "success")
        return redirect_after_post(url_for("passes.requests"))
    row = services.my_request(context, request_id)
    return render(
        "confirm.html",
        question=f"Weet u zeker dat u verzoek {_request_name(row)} wilt verwijderen?",
        nothing_to_do=""
        if row.is_finished
        else "Dit verzoek wordt nog aangemaakt; u kunt het verwijderen zodra het beschikbaar of mislukt is.",
        explanation=(
            "Het verzoek en het bestand met de digitale pasjes worden verwijderd; dat kan niet ongedaan worden gemaakt."
        ),
        action=url_for("passes.delete_request", request_id=row.id),
        button="Ja, verwijder dit verzoek",
        cancel=url_for("passes.requests"),
    )


def _request_name(row) -> str:
    return row.reference or f"van {format_date(row.created_at)}"


@bp.post("/pasjes/verzoeken/<int:request_id>/opnieuw")
@mandate_required("passes")
def retry(request_id):
    try:
        services.retry_request(acting(), request_id)
    except DomainError as error:
        flash(error.message, "error")
    return redirect_after_post(url_for("passes.requests"))


@bp.get("/pasjes/verificatie/<token>")
def verify(token):
    qualification = services.verification(token)
    return render(
        "passes/verify.html", qualification=qualification, holder=qualification.holder, issuer=render_pass.issuer()
    )

"""Staff pages of smartcards: the registration requests, and the decision on each (accept, or reject with a
reason). Both decisions follow request_states; a refused one says why and changes nothing."""

from flask import flash, redirect, render_template, request, url_for

from webapp.core.auth import acting
from webapp.core.errors import DomainError
from webapp.core.forms import add_error
from webapp.core.htmx import render
from webapp.core.ids import whole_number
from webapp.core.staff import staff_blueprint
from webapp.smartcards import request_states, requests
from webapp.smartcards.request_forms import RejectForm

bp = staff_blueprint("smartcards_staff", __name__, "/smartcards")


@bp.get("/aanvragen")
def requests_list():
    state = request.args.get("status") or None
    page = whole_number(request.args.get("pagina")) or 1
    try:
        listing = requests.staff_list(acting(), state, page)
    except DomainError as error:
        listing, message = None, error.message
    else:
        message = None
    return render(
        "smartcards/staff_requests.html",
        "results",
        listing=listing,
        state=state,
        message=message,
        states=request_states.STATES,
        status=400 if listing is None else 200,
    )


@bp.get("/aanvragen/<int:request_id>")
def request_page(request_id):
    return _request_page(request_id, RejectForm(formdata=None))


@bp.post("/aanvragen/<int:request_id>/accepteren")
def accept(request_id):
    try:
        registration = requests.accept(acting(), request_id)
    except DomainError as error:
        return _request_page(request_id, RejectForm(formdata=None), refused=error.message)
    flash(
        f"De aanvraag van {registration.organisation_name} is geaccepteerd; de aanvrager krijgt een e-mail.", "success"
    )
    return redirect(url_for("smartcards_staff.request_page", request_id=request_id), code=303)


@bp.post("/aanvragen/<int:request_id>/afwijzen")
def reject(request_id):
    form = RejectForm()
    if not form.validate_on_submit():
        # a decided request says so first: its page offers no reason to fill in
        refused = _refusal(requests.get(acting(), request_id).state, "reject")
        return _request_page(request_id, form if refused is None else RejectForm(formdata=None), refused, status=400)
    try:
        registration = requests.reject(acting(), request_id, form.reason.data)
    except DomainError as error:
        if error.field != "reason":
            return _request_page(request_id, RejectForm(formdata=None), refused=error.message)
        add_error(form, error)
        return _request_page(request_id, form, status=400)
    flash(f"De aanvraag van {registration.organisation_name} is afgewezen; de aanvrager krijgt een e-mail.", "success")
    return redirect(url_for("smartcards_staff.request_page", request_id=request_id), code=303)


def _refusal(state: str, action: str) -> str | None:
    try:
        request_states.next_state(state, action)
    except DomainError as error:
        return error.message
    return None


def _request_page(request_id: int, form, refused: str | None = None, status: int | None = None):
    registration = requests.get(acting(), request_id)
    return render_template(
        "smartcards/staff_request.html",
        registration=registration,
        known=requests.known_organisation(registration) if registration.state == "submitted" else None,
        form=form,
        refused=refused,
        states=request_states.STATES,
        actions=request_states.ACTIONS,
    ), status or (400 if refused else 200)

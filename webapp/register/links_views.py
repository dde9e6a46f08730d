"""Uw koppelingen: the persons linked to the acting organisation (filters, name search, search by full BSN, sort,
pages, CSV export), a person's page with the planned unlink date, and Verbreek koppeling (asks first)."""

from flask import Blueprint, flash, g, make_response, request, session, url_for

from webapp.core.errors import DomainError
from webapp.core.forms import add_error
from webapp.core.htmx import redirect_after_post, render
from webapp.register import links, listing_forms
from webapp.register.actors import organisation_required

bp = Blueprint("register_links", __name__, url_prefix="/personenregister/organisatie/koppelingen")
NOT_LINKED = "Deze persoon is niet meer aan uw organisatie gekoppeld."


@bp.app_template_filter("register_bsn")
def register_bsn(bsn) -> str:
    """A BSN as the register's pages show it: `*****1234`."""
    return links.masked_bsn(bsn)


def _list_page(bsn_form=None, status: int = 200):
    filters, search_expired = listing_forms.list_filters(request.args, session)
    search_id = request.args.get("bsn-zoekopdracht", "") if filters.bsn_hash else ""
    page = links.link_list(g.register_actor, filters)
    list_args = lambda **changes: listing_forms.list_args(page.filters, search_id, **changes)  # noqa: E731
    return render(
        "register/links.html",
        "list" if request.method == "GET" else None,  # a refused BSN search: the whole page, with its message
        oob=("result_count",),
        page=page,
        filters=page.filters,
        statuses=listing_forms.STATUS_OPTIONS,
        status_word=listing_forms.WORD_OF_STATUS[page.filters.status],
        columns=listing_forms.COLUMNS,
        sort_word=listing_forms.SORT_WORDS[page.filters.sort],
        list_args=list_args,
        search_id=search_id,
        search_expired=search_expired,
        bsn_form=bsn_form or listing_forms.BSNSearchForm(formdata=None),
        status=status,
        push_url=url_for("register_links.index", **list_args()),
    )


@bp.get("", endpoint="index")
@organisation_required
def index():
    if not request.htmx and "" in request.args.values():
        # the filter form without JavaScript sends its empty fields too: on to the clean URL htmx pushes
        filters, _ = listing_forms.list_filters(request.args, session)
        search_id = request.args.get("bsn-zoekopdracht", "") if filters.bsn_hash else ""
        return redirect_after_post(url_for("register_links.index", **listing_forms.list_args(filters, search_id)))
    return _list_page()


@bp.post("/zoeken-op-bsn")
@organisation_required
def search_bsn():
    """A search by full BSN: posted, so the BSN stays out of every URL; the list then carries an opaque id."""
    form = listing_forms.BSNSearchForm()
    if not form.validate():
        return _list_page(bsn_form=form, status=400)
    search_id = listing_forms.remember_bsn_search(session, form.bsn.data)
    return redirect_after_post(url_for("register_links.index", status="alle", **{"bsn-zoekopdracht": search_id}))


@bp.post("/export")
@organisation_required
def export():
    """The current filter's links as CSV (every page): posted, since it is audited, and carries no BSN in."""
    filters, _ = listing_forms.list_filters(request.form, session)
    text, _count = links.export_csv(g.register_actor, filters)
    response = make_response("\ufeff" + text)  # the BOM: spreadsheets then read it as UTF-8
    response.mimetype = "text/csv"
    response.headers["Content-Disposition"] = 'attachment; filename="koppelingen.csv"'
    return response


@bp.get("/<int:link_id>", endpoint="person")
@organisation_required
def person(link_id):
    return _person_page(links.get_link(g.register_actor, link_id))


def _person_page(link, form=None, status: int = 200, error: str | None = None):
    if form is None:
        form = listing_forms.PlanForm(formdata=None, data={"unlink_on": link.unlink_on})
    return render(
        "register/links_person.html",
        link=link,
        person=link.person,
        earlier=links.earlier_links(link),
        form=form,
        error=error,
        status=status,
    )


@bp.post("/<int:link_id>/ontkoppelen-op")
@organisation_required
def plan(link_id):
    """Ontkoppelen op: save the date, or (the button Datum wissen) clear it."""
    link = links.get_link(g.register_actor, link_id)
    if link.state != "linked":
        return _person_page(link, status=409, error=NOT_LINKED)
    form = listing_forms.PlanForm()
    clear = request.form.get("actie") == "wissen"
    if clear or form.validate():
        if not clear and form.unlink_on.data is None:
            add_error(form, DomainError("Vul een datum in, of kies Datum wissen.", field="unlink_on"))
            return _person_page(link, form, status=400)
        try:
            links.plan_unlink(g.register_actor, link.id, None if clear else form.unlink_on.data)
        except DomainError as error:
            add_error(form, error)
            return _person_page(link, form, status=400)
        if clear:
            flash(f"De geplande ontkoppeling van {link.person.name} is gewist.", "success")
        else:
            flash(f"{link.person.name} wordt ontkoppeld op {form.unlink_on.data:%d-%m-%Y}.", "success")
        return redirect_after_post(url_for("register_links.person", link_id=link.id))
    return _person_page(link, form, status=400)


@bp.route("/<int:link_id>/verbreken", methods=["GET", "POST"])
@organisation_required
def unlink(link_id):
    """Verbreek koppeling: a page with the question (also without JavaScript), then its post."""
    link = links.get_link(g.register_actor, link_id)
    if link.state != "linked":
        return _person_page(link, status=409, error=NOT_LINKED)
    if request.method == "POST":
        links.unlink(g.register_actor, link.id)
        flash(f"{link.person.name} is niet meer gekoppeld", "success")
        return redirect_after_post(url_for("register_links.index"))
    return render("register/links_unlink.html", link=link, person=link.person)

"""The mentor's pages: Te behandelen dossiers, a dossier's history, its steps (Start deel B; Terugzetten naar deel A
and Archiveren, each asked first on a page of its own), Mijn leerlingen with its reminders and finished dossiers'
PDFs; and the student's Activeren of an archived dossier. Thin: the rules are in mentor.py and states.py."""

from flask import Blueprint, Response, abort, flash, g, render_template, request, url_for

from webapp.core.auth import acting
from webapp.core.errors import DomainError, NotFound
from webapp.core.htmx import redirect_after_post, render
from webapp.dossiers import approval, dossiers, mentor, school, school_forms, states
from webapp.dossiers.actors import current_student, school_staff_required, student_required

bp = Blueprint("dossiers_mentor", __name__, url_prefix="/doorstroomdossier/school")
student_bp = Blueprint("dossiers_archive", __name__, url_prefix="/doorstroomdossier/dossier")


@bp.before_request
def students_find_nothing():
    """A student (who acts for no organisation) finds nothing here: a 404, not the way to Organisatie kiezen."""
    context = acting()
    if context is not None and context.organisation is None and current_student() is not None:
        abort(404)


# The mentor's steps these pages take, by the word in their address.
SLUGS = {"start_part_b": "start-deel-b", "reset_to_part_a": "terugzetten-naar-deel-a", "archive": "archiveren"}
ACTION_OF = {slug: action for action, slug in SLUGS.items()}
# Steps a mentor takes on another page: action -> endpoint with a dossier_id (part B's check-your-answers is where
# "Opsturen naar leerling" is confirmed with the mentor's own approval)
ACTION_PAGES = {"send_to_student": "dossiers_part_b.check"}
DONE = {
    "start_part_b": "Deel B van {name} is gestart.",
    "reset_to_part_a": "Het dossier van {name} is teruggezet naar deel A. {name} krijgt daarover een e-mail.",
    "archive": "Het dossier van {name} is gearchiveerd.",
}
QUESTION = {
    "reset_to_part_a": (
        "Weet u zeker dat u het dossier van {name} wilt terugzetten naar deel A?",
        "Ja, zet terug naar deel A",
    ),
    "archive": ("Weet u zeker dat u het dossier van {name} wilt archiveren?", "Ja, archiveer het dossier"),
}
EXPLANATION = {
    "reset_to_part_a": "{name} krijgt een e-mail en kan deel A weer aanpassen en opnieuw naar u versturen.",
    "archive": "Het dossier verdwijnt uit uw overzichten maar blijft bestaan. {name} kan het weer activeren.",
}


def _action(slug: str) -> str:
    action = ACTION_OF.get(slug)
    if action is None:
        raise NotFound()
    return action


def _label(action: str) -> str:
    return states.action_label(action)


@bp.app_template_global("mentor_action_url")
def mentor_action_url(action: str, dossier_id: int) -> str | None:
    """Where a mentor's step on a dossier goes: these pages' own steps, or another slice's page."""
    if action in SLUGS:
        return url_for("dossiers_mentor.step", dossier_id=dossier_id, slug=SLUGS[action])
    endpoint = ACTION_PAGES.get(action)
    return url_for(endpoint, dossier_id=dossier_id) if endpoint is not None else None


def _asks_first(action: str) -> bool:
    table = states.ACTIONS.get(action) or states.FLAG_ACTIONS.get(action)
    return table.asks_first


# Te behandelen dossiers


def work_filters(args) -> mentor.WorkFilters:
    base = school_forms.list_filters(args)
    state = args.get("status") or None
    return mentor.WorkFilters(
        search=base.search,
        class_id=base.class_id,
        year=base.year,
        page=base.page,
        state=state if state in mentor.IN_PROGRESS else None,
    )


def work_args(filters: mentor.WorkFilters, **changes) -> dict:
    values = school_forms.list_args(filters, **{k: v for k, v in changes.items() if k != "status"})
    state = changes.get("status", filters.state)
    if state:
        values["status"] = state
    return values


@bp.get("/te-behandelen")
@school_staff_required
def worklist():
    filters = work_filters(request.args)
    page = mentor.worklist(g.staff, filters)
    list_args = lambda **changes: work_args(page.filters, **changes)  # noqa: E731
    return render(
        "dossiers/mentor/worklist.html",
        "list",
        oob=("result_count",),
        staff=g.staff,
        page=page,
        filters=page.filters,
        classes=school.classes(g.staff),
        years=school.YEARS,
        states_in_progress=[(key, states.STATES[key].label) for key in mentor.IN_PROGRESS],
        list_args=list_args,
        not_taking_part=dossiers.NOT_TAKING_PART,
        action_label=_label,
        asks_first=_asks_first,
        push_url=url_for("dossiers_mentor.worklist", **list_args()),
    )


# A dossier's history and steps


@bp.get("/dossiers/<int:dossier_id>/geschiedenis")
@school_staff_required
def dossier_history(dossier_id):
    dossier = mentor.get_dossier(g.staff, dossier_id)
    return render(
        "dossiers/mentor/history.html",
        dossier=dossier,
        student=dossier.student,
        programme=dossier.programme,
        college=dossiers.college_name(dossier.programme.college),
        takes_part=dossier.programme.college.takes_part,
        not_taking_part=dossiers.NOT_TAKING_PART,
        state_label=states.STATES[dossier.state].label,
        steps=mentor.history_of(dossier),
        actions=states.allowed(dossier.state, dossier.archived, mentor.MENTOR),
        action_label=_label,
        asks_first=_asks_first,
    )


def _refused(dossier, action: str, message: str, status: int = 409):
    return render(
        "confirm.html",
        title=f"{_label(action)}: {dossier.student.name}",
        nothing_to_do=message,
        cancel=url_for("dossiers_mentor.dossier_history", dossier_id=dossier.id),
        status=status,
    )


@bp.route("/dossiers/<int:dossier_id>/<slug>", methods=["GET", "POST"])
@school_staff_required
def step(dossier_id, slug):
    """A mentor's step on a dossier: its post takes it; an asks-first step puts its question first (GET, also without
    JavaScript). A step the state table does not allow now says why instead. One rule for both: with two rules on one
    path, an id past the column's range was answered 405 instead of 404."""
    action = _action(slug)
    if request.method == "GET" and not _asks_first(action):
        raise NotFound()
    dossier = mentor.get_dossier(g.staff, dossier_id)
    if request.method == "GET":
        return _question(dossier, action, slug)
    try:
        mentor.TAKE[action](g.staff, dossier.id)
    except DomainError as refused:
        return _refused(dossier, action, refused.message)
    flash(DONE[action].format(name=dossier.student.name), "success")
    if action == "start_part_b":
        return redirect_after_post(url_for("dossiers_part_b.overview", dossier_id=dossier.id))
    return redirect_after_post(url_for("dossiers_mentor.worklist"))


def _question(dossier, action: str, slug: str):
    try:
        mentor.check(dossier, action)
    except DomainError as refused:
        return _refused(dossier, action, refused.message)
    name = dossier.student.name
    return render(
        "confirm.html",
        question=QUESTION[action][0].format(name=name),
        action=url_for("dossiers_mentor.step", dossier_id=dossier.id, slug=slug),
        button=QUESTION[action][1],
        cancel=url_for("dossiers_mentor.worklist"),
        explanation=f"Opleiding: {dossier.programme.label}. " + EXPLANATION[action].format(name=name),
    )


@bp.get("/dossiers/<int:dossier_id>/dossier.pdf")
@school_staff_required
def dossier_pdf(dossier_id):
    dossier = mentor.finished_dossier(g.staff, dossier_id)
    return Response(
        approval.pdf(dossier),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f"inline; filename=doorstroomdossier-{dossier.id}.pdf",
            "Cache-Control": "no-store",
        },
    )


# Mijn leerlingen


@bp.get("/mijn-leerlingen")
@school_staff_required
def my_students():
    filters = school_forms.list_filters(request.args)
    page = mentor.my_students(g.staff, filters)
    list_args = lambda **changes: school_forms.list_args(page.filters, **changes)  # noqa: E731
    return render(
        "dossiers/mentor/students.html",
        "list",
        oob=("result_count",),
        staff=g.staff,
        page=page,
        filters=page.filters,
        classes=school.classes(g.staff),
        years=school.YEARS,
        list_args=list_args,
        remind_days=mentor.remind_after().days,
        push_url=url_for("dossiers_mentor.my_students", **list_args()),
    )


@bp.post("/mijn-leerlingen/<int:student_id>/herinneren")
@school_staff_required
def remind(student_id):
    back = url_for("dossiers_mentor.my_students", **_back_args())
    try:
        student = mentor.remind(g.staff, student_id, g.staff.user)
    except DomainError as refused:
        flash(refused.message, "error")
        return redirect_after_post(back)
    flash(f"{student.name} krijgt een e-mail met een herinnering om de akkoordverklaring in te vullen.", "success")
    return redirect_after_post(back)


def _back_args() -> dict:
    """The list's query the reminder's form carries back (only the list's own, checked, arguments)."""
    return school_forms.list_args(school_forms.list_filters(request.form))


# The student: Activeren


@student_bp.post("/<int:dossier_id>/activeren")
@student_required
def reactivate(dossier_id):
    try:
        dossier = mentor.reactivate(g.student, dossier_id)
    except DomainError as refused:
        page = render_template(
            "confirm.html",
            title="Dossier activeren",
            nothing_to_do=refused.message,
            cancel=url_for("dossiers_student.home"),
        )
        return page, 409
    flash(f"Je dossier voor {dossier.programme.name} is weer actief.", "success")
    return redirect_after_post(url_for("dossiers_student.home"))

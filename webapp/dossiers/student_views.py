"""The student's pages: the landing the mail and the letter send them to, help and contact, Maak een nieuw account,
their home with all their dossiers, the activation code, and Nieuw dossier. Thin: the rules are in students.py and
dossiers.py."""

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address

from webapp.accounts.services import normalise_email
from webapp.core import onetimecodes
from webapp.core.errors import DomainError
from webapp.core.forms import add_error, form_status
from webapp.core.htmx import redirect_after_post, render
from webapp.dossiers import approval, dossiers, part_a, students
from webapp.dossiers.actors import current_student, student_required
from webapp.dossiers.student_forms import (
    ActivationCodeForm,
    NewAccountForm,
    StartDossierForm,
    catalogue_args,
    catalogue_url_args,
)
from webapp.extensions import limiter

bp = Blueprint("dossiers_student", __name__, url_prefix="/doorstroomdossier")

ACCOUNT_REQUESTED = (
    "Als de gegevens bij een leerling horen, ontvang je een e-mail met een link om je wachtwoord in te stellen. "
    "Kijk ook in je map met ongewenste e-mail. Heb je al een account? Dan krijg je daarover een e-mail."
)


def _limits() -> str:
    return current_app.config["LOGIN_LIMITS"]


def _email_key() -> str:
    return "student-account:" + (normalise_email(request.form.get("email", ""))[:254] or get_remote_address())


def open_url(dossier) -> str:
    """Where the student opens a dossier: its part A overview."""
    return url_for("dossiers_part_a.overview", dossier_id=dossier.id)


@bp.get("/start", endpoint="start")
def start():
    if current_student() is not None:
        return redirect(url_for("dossiers_student.home"))
    return render_template("dossiers/student/start.html")


@bp.get("/help-en-contact", endpoint="help")
def help_page():
    student = current_student()
    return render_template("dossiers/student/help.html", school=student.school if student else None)


@bp.route("/nieuw-account", methods=["GET", "POST"], endpoint="new_account")
@limiter.limit(_limits, methods=["POST"], key_func=_email_key, scope="student-account:email")
@limiter.limit(_limits, methods=["POST"], scope="student-account:address")
def new_account():
    if current_student() is not None:
        return redirect(url_for("dossiers_student.home"))
    form = NewAccountForm()
    if form.validate_on_submit():
        students.request_account(form.bsn.data, form.email.data)
        flash(ACCOUNT_REQUESTED, "success")
        return redirect(url_for("dossiers_student.start"), code=303)
    return render_template("dossiers/student/new_account.html", form=form), form_status(form)


@bp.get("/mijn-dossiers", endpoint="home")
@student_required
def home():
    activated = students.has_activated(g.student)
    rows = dossiers.dossiers_of(g.student)
    return render_template(
        "dossiers/student/home.html",
        student=g.student,
        rows=rows,
        milestones=approval.milestones([row.dossier.id for row in rows]),
        activated=activated,
        not_taking_part=dossiers.NOT_TAKING_PART,
        open_url=open_url,
        progress=part_a.progress,
    )


@bp.route("/activatiecode", methods=["GET", "POST"], endpoint="activate")
@student_required
def activate():
    if students.has_activated(g.student):
        return redirect(url_for("dossiers_student.new_dossier"), code=303)
    form = ActivationCodeForm()
    if form.validate_on_submit():
        try:
            students.activate(g.student, form.code.data, address=request.remote_addr or "")
        except onetimecodes.CodeRefused as refused:
            # returned, not raised: the request commits the record of the wrong try (core/onetimecodes.py)
            add_error(form, refused)
        else:
            flash("Je activatiecode is goedgekeurd. Kies nu de opleiding voor je dossier.", "success")
            return redirect(url_for("dossiers_student.new_dossier"), code=303)
    return render_template("dossiers/student/activate.html", form=form), form_status(form)


@bp.route("/nieuw-dossier", methods=["GET", "POST"], endpoint="new_dossier")
@student_required
def new_dossier():
    if not students.has_activated(g.student):
        return redirect(url_for("dossiers_student.activate"), code=303)
    form = StartDossierForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                dossier = dossiers.start_dossier(g.student, form.programme_id.data)
            except DomainError as refused:
                add_error(form, refused)
                status = 409
            else:
                flash(f"Je dossier voor {dossier.programme.name} is aangemaakt.", "success")
                return redirect_after_post(open_url(dossier))
        else:
            status = 400
    search, college_id, page_number = catalogue_args(request.values)
    page = dossiers.find_programmes(search, college_id, page_number)
    return render(
        "dossiers/student/new_dossier.html",
        "results" if request.method == "GET" else None,
        oob=("result_count",),
        form=form,
        page=page,
        colleges=dossiers.colleges(),
        chosen=dossiers.open_programme_ids(g.student),
        college_name=dossiers.college_name,
        not_taking_part=dossiers.NOT_TAKING_PART,
        url_args=catalogue_url_args,
        status=status,
        push_url=url_for("dossiers_student.new_dossier", **catalogue_url_args(page.search, page.college_id, page.page)),
    )

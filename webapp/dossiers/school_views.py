"""The school's pages in the dossiers: the staff's start page, Klassen (a counsellor adds classes and assigns
mentors; a mentor reads), Leerlingen (search, filter, pages; a counsellor adds, edits, removes and imports)."""

from flask import Blueprint, Response, flash, g, request, url_for

from webapp.core.errors import DomainError, NotFound
from webapp.core.forms import add_error, form_status
from webapp.core.htmx import redirect_after_post, render
from webapp.dossiers import importer, school, school_forms
from webapp.dossiers.actors import school_staff_required

bp = Blueprint("dossiers_school", __name__, url_prefix="/doorstroomdossier/school")


@bp.app_template_filter("student_bsn")
def student_bsn(bsn) -> str:
    """A student's BSN as the school's pages show it: masked, the last three digits."""
    return bsn.masked if bsn is not None else "onbekend"


@bp.get("/")
@school_staff_required
def index():
    return render("dossiers/school/index.html", staff=g.staff)


# Klassen


def _classes_page(form=None, status: int = 200):
    mentors = school.possible_mentors(g.staff) if g.staff.is_counsellor else []
    return render(
        "dossiers/school/classes.html",
        staff=g.staff,
        classes=school.classes(g.staff),
        year=school.school_year(),
        form=form or school_forms.ClassForm(formdata=None),
        mentors=mentors,
        status=status,
    )


@bp.get("/klassen")
@school_staff_required
def classes():
    return _classes_page()


@bp.post("/klassen")
@school_staff_required
def add_class():
    school.require_counsellor(g.staff)
    form = school_forms.ClassForm()
    if form.validate():
        try:
            klass = school.add_class(g.staff, form.name.data, form.year.data)
        except DomainError as error:
            add_error(form, error)
        else:
            flash(f"Klas {klass.name} is toegevoegd.", "success")
            return redirect_after_post(url_for("dossiers_school.classes"))
    return _classes_page(form, status=400)


@bp.post("/klassen/<int:class_id>/mentoren")
@school_staff_required
def assign_mentor(class_id):
    school.require_counsellor(g.staff)
    klass = school.get_class(g.staff, class_id)
    form = school_forms.MentorForm()
    form.membership_id.choices = [(m.id, m.user.full_name) for m in school.possible_mentors(g.staff)]
    if not form.validate():
        raise NotFound()  # a member who is not the school's: nothing to say about them
    membership = school.assign_mentor(g.staff, klass.id, form.membership_id.data)
    flash(f"{membership.user.full_name} is mentor van klas {klass.name}.", "success")
    return redirect_after_post(url_for("dossiers_school.classes") + f"#klas-{klass.id}")


@bp.route("/klassen/<int:class_id>/mentoren/<int:membership_id>/verwijderen", methods=["GET", "POST"])
@school_staff_required
def remove_mentor(class_id, membership_id):
    """Remove a mentor from a class: a page with the question (also without JavaScript), then its post."""
    school.require_counsellor(g.staff)
    klass = school.get_class(g.staff, class_id)
    back = url_for("dossiers_school.classes") + f"#klas-{klass.id}"
    if request.method == "POST":
        membership = school.remove_mentor(g.staff, klass.id, membership_id)
        flash(f"{membership.user.full_name} is geen mentor meer van klas {klass.name}.", "success")
        return redirect_after_post(back)
    membership = next((m for m in klass.mentors if m.id == membership_id), None)
    if membership is None:
        raise NotFound()
    return render(
        "confirm.html",
        question=f"Weet u zeker dat u {membership.user.full_name} wilt verwijderen als mentor van klas {klass.name}?",
        action=url_for("dossiers_school.remove_mentor", class_id=klass.id, membership_id=membership.id),
        button="Ja, verwijder als mentor",
        cancel=back,
        explanation="Leerlingen van deze klas kunnen hun dossier dan niet meer naar deze mentor sturen. "
        "U kunt de mentor later opnieuw aan de klas toevoegen.",
    )


# Leerlingen


@bp.get("/leerlingen")
@school_staff_required
def students():
    filters = school_forms.list_filters(request.args)
    page = school.student_list(g.staff, filters)
    list_args = lambda **changes: school_forms.list_args(page.filters, **changes)  # noqa: E731
    return render(
        "dossiers/school/students.html",
        "list",
        oob=("result_count",),
        staff=g.staff,
        page=page,
        filters=page.filters,
        classes=school.classes(g.staff),
        years=school.YEARS,
        list_args=list_args,
        push_url=url_for("dossiers_school.students", **list_args()),
    )


@bp.route("/leerlingen/nieuw", methods=["GET", "POST"])
@school_staff_required
def new_student():
    school.require_counsellor(g.staff)
    form = school_forms.StudentForm.for_school(
        school.classes(g.staff), None if request.method == "GET" else request.form
    )
    if request.method == "POST" and form.validate():
        try:
            student = school.add_student(g.staff, form.student_data())
        except DomainError as error:
            add_error(form, error)
        else:
            flash(f"{student.name} is toegevoegd.", "success")
            return redirect_after_post(url_for("dossiers_school.student", student_id=student.id))
    return render("dossiers/school/student_form.html", form=form, student=None, status=form_status(form))


@bp.get("/leerlingen/<int:student_id>")
@school_staff_required
def student(student_id):
    found = school.get_student(g.staff, student_id)
    return render(
        "dossiers/school/student.html",
        staff=g.staff,
        student=found,
        dossiers=school.dossier_count(found),
    )


@bp.route("/leerlingen/<int:student_id>/wijzigen", methods=["GET", "POST"])
@school_staff_required
def edit_student(student_id):
    school.require_counsellor(g.staff)
    found = school.get_student(g.staff, student_id)
    if request.method == "GET":
        form = school_forms.StudentForm.for_school(school.classes(g.staff), None, obj=found)
        form.bsn.data = None  # a stored BSN is never written into a form
    else:
        form = school_forms.StudentForm.for_school(school.classes(g.staff), request.form)
        if form.validate():
            try:
                school.edit_student(g.staff, found.id, form.student_data())
            except DomainError as error:
                add_error(form, error)
            else:
                flash(f"De gegevens van {found.name} zijn opgeslagen.", "success")
                return redirect_after_post(url_for("dossiers_school.student", student_id=found.id))
    return render("dossiers/school/student_form.html", form=form, student=found, status=form_status(form))


@bp.route("/leerlingen/<int:student_id>/verwijderen", methods=["GET", "POST"])
@school_staff_required
def remove_student(student_id):
    school.require_counsellor(g.staff)
    found = school.get_student(g.staff, student_id)
    if request.method == "POST":
        name = school.remove_student(g.staff, found.id)
        flash(f"{name} is verwijderd.", "success")
        return redirect_after_post(url_for("dossiers_school.students"))
    count = school.dossier_count(found)
    return render(
        "confirm.html",
        question=f"Weet u zeker dat u {found.name} wilt verwijderen?",
        action=url_for("dossiers_school.remove_student", student_id=found.id),
        button="Ja, verwijder leerling",
        cancel=url_for("dossiers_school.student", student_id=found.id),
        explanation=(
            f"{found.name} verdwijnt uit de leerlingenlijst"
            + (f", met {count} dossier(s) en hun antwoorden" if count else "")
            + ", en een uitgedeelde activatiecode werkt niet meer. Dit kan niet ongedaan worden gemaakt."
        ),
    )


@bp.route("/leerlingen/<int:student_id>/account-loskoppelen", methods=["GET", "POST"])
@school_staff_required
def unlink_account(student_id):
    school.require_counsellor(g.staff)
    found = school.get_student(g.staff, student_id)
    if request.method == "POST":
        try:
            name = school.unlink_account(g.staff, found.id)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(f"Het account is losgekoppeld van {name}.", "success")
        return redirect_after_post(url_for("dossiers_school.student", student_id=found.id))
    return render(
        "confirm.html",
        question=f"Weet u zeker dat u het account van {found.name} wilt loskoppelen?",
        action=url_for("dossiers_school.unlink_account", student_id=found.id),
        button="Ja, koppel het account los",
        cancel=url_for("dossiers_school.student", student_id=found.id),
        explanation=(
            f"Het account ({found.user.email}) opent de dossiers van {found.name} dan niet meer. Doe dit als iemand "
            "anders met het BSN van de leerling een account heeft gemaakt. De leerling maakt daarna zelf een nieuw "
            "account met 'Maak een nieuw account'; de dossiers en activatiecodes blijven bij de leerling."
            if found.user is not None
            else f"{found.name} heeft geen account."
        ),
    )


@bp.route("/leerlingen/importeren", methods=["GET", "POST"])
@school_staff_required
def import_students():
    school.require_counsellor(g.staff)
    report = None
    if request.method == "POST":
        upload = request.files.get("bestand")
        if upload is None or not upload.filename:
            report = importer.ImportReport(errors=[(0, "Kies een CSV-bestand.")], refused_file=True)
        else:
            report = importer.import_file(g.staff, upload.stream)
    return render(
        "dossiers/school/import.html",
        report=report,
        columns=importer.COLUMNS,
        required=importer.REQUIRED,
        year=school.school_year(),
        status=400 if report and report.refused_file else 200,
    )


@bp.get("/leerlingen/importeren/sjabloon.csv")
@school_staff_required
def import_template():
    school.require_counsellor(g.staff)
    return Response(
        "\ufeff" + importer.template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=leerlingen-sjabloon.csv", "Cache-Control": "no-store"},
    )

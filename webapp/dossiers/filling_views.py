"""What the pages of a dossier's parts (A for the student, B for the mentor) share: the part's addresses and words
for the shared templates (templates/dossiers/filling, the macros in templates/dossiers/part_a/_macros.html), a
section's "Opslaan en sluiten" and the autosave of one field."""

from dataclasses import dataclass, field

from flask import current_app, flash, redirect, request, url_for

from webapp.core.errors import DomainError
from webapp.core.htmx import redirect_after_post, render
from webapp.dossiers import filling, formdef

SECTION_TEMPLATE = "dossiers/filling/section.html"


@dataclass(frozen=True)
class Pages:
    """A part's pages as the shared templates address them: `args` name the dossier (or the student)."""

    title: str  # "Deel A"
    overview_url: str
    section_endpoint: str
    field_endpoint: str
    args: dict = field(default_factory=dict)
    open_note: str = ""  # above an open section's fields
    closed_note: str = ""  # instead of the fields when the part is closed
    session_warning: bool = False  # the student's session warning (part A)

    def section_url(self, section_key: str) -> str:
        return url_for(self.section_endpoint, section_key=section_key, **self.args)

    def field_url(self, section_key: str, field_key: str) -> str:
        return url_for(self.field_endpoint, section_key=section_key, field_key=field_key, **self.args)


def field_fragment(pages: Pages, section, field, given, problems, typed, progress: int, **context):
    """Autosave's answer: the field's own fragment (what was typed stays beside its message) and the section's
    progress out of band."""
    values = given | typed if problems else given
    return render(
        SECTION_TEMPLATE,
        "one_field",
        oob=("section_progress",),
        pages=pages,
        section=section,
        section_state=filling.section_state(section, given),
        progress=progress,
        field=field,
        values=values,
        problems=problems,
        formdef=formdef,
        **context,
    )


def typed_values(form, keys) -> dict[str, str]:
    """What was typed in the fields `keys` (a phone number's country code too), to show again beside a message."""
    return {name: form.get(name, "") for key in keys for name in (key, key + "_land")}


def save_section(section, save, current_answers, show_page, overview_url: str):
    """Opslaan en sluiten (the whole section, without JavaScript): `save()` stores the posted fields and answers the
    problems per field. Back to the overview when all is stored; the section again with the messages beside what was
    typed otherwise; a refusal (the part is closed) goes back to the overview with its message, having changed
    nothing."""
    try:
        problems = save()
    except DomainError as refused:
        flash(refused.message, "error")
        return redirect_after_post(overview_url)
    if problems:
        values = current_answers() | typed_values(request.form, problems)
        return show_page(values=values, problems=problems, status=400)
    flash(f"{section.title} is opgeslagen.", "success")
    return redirect_after_post(overview_url)


def autosave(pages: Pages, section, field, save, is_open, current_answers, progress_of, **context):
    """Autosave of one field: `save()` stores it and answers the part's answers after it. htmx gets the field's
    fragment with the section's progress out of band (a bad value: its message); a closed part answers 409 with its
    message; a browser without the script goes to the section page, where the whole form is posted."""
    problems, given = {}, None
    try:
        given = save()
    except DomainError as refused:
        if not is_open():
            return current_app.make_response((refused.message, 409))
        problems = {field.key: refused.message}
    if not request.htmx:
        if problems:
            flash(f"{field.label}: {problems[field.key]}", "error")
        return redirect(pages.section_url(section.key), 303)
    given = current_answers() if given is None else given
    typed = typed_values(request.form, problems)
    return field_fragment(pages, section, field, given, problems, typed, progress_of(given), **context)

"""The approval's pages (manual 004, chapter 4). The student's: the approval page with "Deel B bekijken" and "Deel A
bekijken", a comment on part B, the parent's link, "Afronden" and "Terug naar deel A" (each asks first, also without
JavaScript), and the dossier as a PDF. The parent's: the page the mailed link opens. Thin: the rules are in
approval.py, the state table in states.py."""

import hashlib

from flask import Blueprint, abort, current_app, flash, g, make_response, redirect, request, url_for
from flask_limiter.util import get_remote_address

from webapp.core.errors import DomainError
from webapp.core.forms import add_error
from webapp.core.htmx import redirect_after_post, render
from webapp.dossiers import approval, document, part_a, states
from webapp.dossiers.actors import student_required
from webapp.dossiers.approval_forms import AGREE, CommentForm, ParentAnswerForm, ParentEmailForm
from webapp.extensions import limiter

bp = Blueprint("dossiers_approval", __name__, url_prefix="/doorstroomdossier/dossier")
parent_bp = Blueprint("dossiers_parent", __name__, url_prefix="/doorstroomdossier/ouder")

PARENT_MAIL_LIMITS = "5 per hour"  # links mailed to a parent, per dossier
PART_TITLES = {"a": "Deel A", "b": "Deel B"}


def _limits() -> str:
    return current_app.config["LOGIN_LIMITS"]


def _dossier_key() -> str:
    return "dossier:" + str((request.view_args or {}).get("dossier_id"))


def _token_key() -> str:
    token = (request.view_args or {}).get("token") or ""
    return "parent-link:" + hashlib.sha256(token.encode()).hexdigest()[:32]


# ---------------------------------------------------------------- the student


def _page(dossier, *, error=None, comment_form=None, email_form=None, status=200):
    state = approval.status(dossier)
    if comment_form is None:
        comment_form = CommentForm(formdata=None, comment=state.comment)
    if email_form is None:
        email_form = ParentEmailForm(formdata=None, email=state.last_parent_email)
    return render(
        "dossiers/approval/page.html",
        dossier=dossier,
        programme=dossier.programme,
        college=dossier.programme.college,
        state_label=states.STATES[dossier.state].label,
        approval_state=state,
        approvals=approval.final(dossier) if dossier.state == "finished" else [],
        part_b_shown="B" in approval.visible_parts(dossier),
        comment_form=comment_form,
        email_form=email_form,
        error=error,
        status=status,
    )


def _own_dossier(dossier_id):
    return part_a.get_dossier(g.student, dossier_id)


@bp.get("/<int:dossier_id>/akkoordverklaring", endpoint="page")
@student_required
def page(dossier_id):
    return _page(_own_dossier(dossier_id))


@bp.post("/<int:dossier_id>/akkoordverklaring/starten", endpoint="start")
@student_required
def start(dossier_id):
    dossier = _own_dossier(dossier_id)
    try:
        approval.start(dossier, g.student.user)
    except DomainError as refused:
        return _page(dossier, error=refused.message, status=409)
    return redirect_after_post(url_for("dossiers_approval.page", dossier_id=dossier.id))


@bp.get("/<int:dossier_id>/akkoordverklaring/<part>", endpoint="part")
@student_required
def part(dossier_id, part):
    """Deel A bekijken / Deel B bekijken: the part's questions with the answers as shown."""
    dossier = _own_dossier(dossier_id)
    if part not in PART_TITLES or part.upper() not in approval.visible_parts(dossier):
        abort(404)
    return render(
        "dossiers/approval/part.html",
        dossier=dossier,
        programme=dossier.programme,
        college=dossier.programme.college,
        state_label=states.STATES[dossier.state].label,
        title=PART_TITLES[part],
        parts=document.filled(dossier, (part.upper(),)),
    )


@bp.get("/<int:dossier_id>/pdf", endpoint="pdf")
@student_required
def pdf(dossier_id):
    """The dossier as one PDF, to print or save: the parts the student may see."""
    dossier = _own_dossier(dossier_id)
    response = make_response(approval.pdf(dossier, approval.visible_parts(dossier)))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="doorstroomdossier-{dossier.id}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/<int:dossier_id>/akkoordverklaring/opmerking", endpoint="comment")
@student_required
def comment(dossier_id):
    dossier = _own_dossier(dossier_id)
    form = CommentForm()
    if not form.validate():
        return _page(dossier, comment_form=form, status=400)
    try:
        approval.save_comment(dossier, form.comment.data)
    except DomainError as refused:
        add_error(form, refused)
        return _page(dossier, comment_form=form, error=_general(refused), status=409)
    flash("Je opmerking over deel B is opgeslagen." if form.comment.data else "Je opmerking is verwijderd.", "success")
    return redirect_after_post(url_for("dossiers_approval.page", dossier_id=dossier.id))


@bp.post("/<int:dossier_id>/akkoordverklaring/ouder", endpoint="ask_parent")
@student_required
@limiter.limit(PARENT_MAIL_LIMITS, key_func=_dossier_key, scope="dossiers-parent-mail")  # a student's posts only
def ask_parent(dossier_id):
    dossier = _own_dossier(dossier_id)
    form = ParentEmailForm()
    if not form.validate():
        return _page(dossier, email_form=form, status=400)
    try:
        sent = approval.ask_parent(dossier, form.email.data, g.student.user)
    except DomainError as refused:
        add_error(form, refused)
        return _page(dossier, email_form=form, error=_general(refused), status=409)
    flash(f"Er is een e-mail met een link gestuurd naar {sent.email}.", "success")
    return redirect_after_post(url_for("dossiers_approval.page", dossier_id=dossier.id))


@bp.route("/<int:dossier_id>/akkoordverklaring/afronden", methods=["GET", "POST"], endpoint="finish")
@student_required
def finish(dossier_id):
    dossier = _own_dossier(dossier_id)
    back = url_for("dossiers_approval.page", dossier_id=dossier.id)
    if request.method == "POST":
        try:
            approval.finish(dossier, g.student.user)
        except DomainError as refused:
            return _page(dossier, error=refused.message, status=409)
        flash("Je dossier is afgerond en wordt zichtbaar voor de vervolgopleiding.", "success")
        return redirect_after_post(back)
    waiting = _refusal(dossier, "finish") or approval.missing(dossier)
    return render(
        "confirm.html",
        question="Weet je zeker dat je je dossier wilt afronden?",
        title="Afronden",
        nothing_to_do=waiting,
        action=url_for("dossiers_approval.finish", dossier_id=dossier.id),
        button="Ja, rond mijn dossier af",
        cancel=back,
        explanation="Je geeft nu definitief akkoord. Het dossier is daarna afgerond en wordt zichtbaar voor "
        f"{dossier.programme.college.organisation.name}. Je kunt het daarna niet meer wijzigen.",
    )


@bp.route("/<int:dossier_id>/akkoordverklaring/terug-naar-deel-a", methods=["GET", "POST"], endpoint="back")
@student_required
def back_to_part_a(dossier_id):
    dossier = _own_dossier(dossier_id)
    back = url_for("dossiers_approval.page", dossier_id=dossier.id)
    if request.method == "POST":
        try:
            approval.back_to_part_a(dossier, g.student.user)
        except DomainError as refused:
            return _page(dossier, error=refused.message, status=409)
        flash("Deel A is weer geopend. Pas het aan en verstuur het opnieuw naar je mentor.", "success")
        return redirect_after_post(url_for("dossiers_part_a.overview", dossier_id=dossier.id))
    return render(
        "confirm.html",
        question="Weet je zeker dat je terug wilt naar deel A?",
        title="Terug naar deel A",
        nothing_to_do=_refusal(dossier, "back_to_part_a"),
        action=url_for("dossiers_approval.back", dossier_id=dossier.id),
        button="Ja, terug naar deel A",
        cancel=back,
        explanation="Deel A wordt weer geopend: je kunt het aanpassen en opnieuw naar je mentor versturen. Daarna "
        "vult je mentor deel B opnieuw in en geef je opnieuw akkoord. Een akkoord van je ouder/verzorger telt "
        "alleen nog als het dossier daarna niet is veranderd.",
    )


def _general(refused: DomainError) -> str | None:
    """A refusal that belongs to no field shows above the page (the field's own shows beside it)."""
    return None if getattr(refused, "field", None) else refused.message


def _refusal(dossier, action) -> str | None:
    try:
        states.next_state(dossier.state, action)
    except DomainError as refused:
        return refused.message
    return None


# ---------------------------------------------------------------- the parent


def _link_invalid():
    return render("dossiers/approval/parent_link_invalid.html", status=404)


@parent_bp.route("/<token>", methods=["GET", "POST"], endpoint="approve")
@limiter.limit(_limits, methods=["POST"], key_func=_token_key, scope="dossiers-parent-link")
@limiter.limit(_limits, methods=["POST"], key_func=get_remote_address, scope="dossiers-parent-address")
def approve(token):
    found = approval.request_for(token)
    if found is None:
        return _link_invalid()
    dossier = found.dossier
    form = ParentAnswerForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                approval.parent_answers(
                    found, form.name.data, form.decision.data == AGREE, form.comment.data, form.content_hash.data
                )
            except DomainError as refused:
                add_error(form, refused)
                status = 409
            else:
                return redirect(url_for("dossiers_parent.thanks"), code=303)
        else:
            status = 400
    form.content_hash.data = document.content_hash(dossier)
    response = render(
        "dossiers/approval/parent.html",
        form=form,
        dossier=dossier,
        programme=dossier.programme,
        college=dossier.programme.college,
        parts=document.filled(dossier),
        comment=approval.comment_of(dossier),
        status=status,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@parent_bp.get("/bedankt", endpoint="thanks")
def thanks():
    return render("dossiers/approval/parent_thanks.html")

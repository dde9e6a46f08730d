"""De beheeromgeving: the organisation's smartcards, a card's page with its history, and blokkeren,
deblokkeren and intrekken. For members with the smartcards mandate (admins have every mandate), at EH2+."""

from flask import Blueprint, flash, redirect, request, url_for

from webapp.core.auth import acting, level_required, mandate_required
from webapp.core.errors import DomainError
from webapp.core.forms import add_error
from webapp.core.htmx import redirect_after_post, render
from webapp.smartcards import admin_forms, cards, states

bp = Blueprint("smartcards", __name__, url_prefix="/smartcards/beheer")


def manager_required(view):
    """The smartcards mandate (else a 404), then EH2+ (else the step-up page): card actions ask for both."""
    return mandate_required(cards.SERVICE)(level_required(cards.LEVEL)(view))


@bp.get("")
@manager_required
def index():
    context = acting()
    filters = admin_forms.list_filters(request.args)
    if not request.htmx and "" in request.args.values():
        # the filter form without JavaScript sends its empty fields too: on to the clean URL htmx pushes
        return redirect(url_for("smartcards.index", **admin_forms.list_args(filters)))
    page = cards.card_list(context, filters)
    return render(
        "smartcards/admin_index.html",
        "list",
        oob=("result_count",),
        page=page,
        filters=page.filters,
        statuses=cards.STATUSES,
        columns=admin_forms.COLUMNS,
        sort_word=admin_forms.SORT_WORDS[filters.sort],
        list_args=lambda **changes: admin_forms.list_args(page.filters, **changes),
        expiring=cards.expiring_credential_cards(context) if not request.htmx else [],
        administrators=cards.administrators(context) if not request.htmx else [],
        push_url=url_for("smartcards.index", **admin_forms.list_args(page.filters)),
    )


@bp.get("/kaarten/<int:card_id>")
@manager_required
def card(card_id):
    return _card_page(cards.get_card(acting(), card_id))


def _card_page(card, error: str | None = None, status: int = 200):
    return render(
        "smartcards/admin_card.html",
        card=card,
        shown=cards.shown_status(card),
        actions=cards.actions_for(card),
        history=cards.card_history(card),
        states=states,
        error=error,
        status=status,
    )


@bp.route("/kaarten/<int:card_id>/<word>", methods=["GET", "POST"])
@manager_required
def card_action(card_id, word):
    """Blokkeren (a reason), deblokkeren, intrekken (a reason, and asks first): a page with the question, then
    its post. What the state table does not allow from the card's state is refused with its message."""
    context = acting()
    action = cards.action_by_word(word)
    card = cards.get_card(context, card_id)
    rule = states.ACTIONS[action]
    if not states.allowed(card.state, action):
        try:
            states.next_state(card.state, action)
        except DomainError as refused:
            return _card_page(card, refused.message, status=409)
    form = admin_forms.ActionForm(request.form if request.method == "POST" else None)
    if request.method == "POST":
        try:
            cards.take_action(context, card.id, action, reason=form.reason.data or "", note=form.note.data or "")
        except cards.NotAllowed as refused:  # another tab or administrator changed the card just now
            return _card_page(cards.get_card(context, card.id), refused.message, status=409)
        except DomainError as error:
            add_error(form, error)
        else:
            flash(f"De smartcard van {card.holder_name} is {cards.past_tense(rule)}.", "success")
            return redirect_after_post(url_for("smartcards.card", card_id=card.id))
    elif not (rule.needs_reason or rule.asks_first):
        return redirect(url_for("smartcards.card", card_id=card.id))  # deblokkeren posts from the card's page
    return render(
        "smartcards/admin_action.html",
        card=card,
        rule=rule,
        word=word,
        form=form,
        status=400 if request.method == "POST" else 200,
    )

"""Smartcards (manual 002): organisations register and validate with a credential card, their administrators
manage the smartcards the portal issues, and employees make their own smartcard through the card agent."""

from datetime import timedelta

from webapp.core.modules import Link, Module, Periodic, Service, StepUpMethod, Waiting
from webapp.smartcards import (
    admin_views,
    crl,
    demo,
    models,  # noqa: F401  (the tables, for the migrations)
    onboarding_views,
    personalise,
    personalise_views,
    request_demo,
    request_views,
    requests,
    signin,
    signin_views,
    staff,
)


def load_demo() -> list[str]:
    # The requests first: they hold back when any request exists, and the cards' demo makes a validated one.
    return [*request_demo.load_demo(), *demo.load_demo()]


module = Module(
    name="smartcards",
    label="Smartcards",
    blueprints=(
        request_views.bp,
        staff.bp,
        onboarding_views.bp,
        personalise_views.bp,
        signin_views.bp,
        admin_views.bp,
        crl.bp,
    ),
    service=Service("smartcards", "Smartcards beheren"),
    nav=(Link("Smartcards", "smartcards.index", mandate="smartcards"),),
    tiles=(
        Link(
            "Registratie aanvragen",
            "smartcard_requests.new",
            public=True,
            description="Registreer uw zorgorganisatie voor smartcards. U heeft een geldige UZI-zorgverlenerspas nodig.",
        ),
        Link(
            "Ik wil een organisatie valideren",
            "smartcard_onboarding.start",
            public=True,
            description="Uw aanvraag is verwerkt? Valideer uw organisatie met uw UZI-zorgverlenerspas en "
            "registreer u als administrator.",
        ),
        Link(
            "Ik wil een smartcard aanmaken",
            "smartcard_personalise.intro",
            public=True,
            description="Maak met uw UZI-pas uw eigen ZORG-ID Smartcard aan.",
        ),
    ),
    staff_pages=(
        Link(
            "Aanvragen registratie",
            "smartcards_staff.requests_list",
            description="Aanvragen van organisaties voor smartcards beoordelen: accepteren of afwijzen.",
            waiting=Waiting(requests.WAITING_REQUESTS, requests.waiting_params, requests.waiting_said),
        ),
    ),
    periodic=(
        Periodic("Half aangemaakte smartcards afsluiten", personalise.fail_stale_cards, every=timedelta(minutes=5)),
        Periodic("Intrekkingslijst van smartcards vernieuwen", crl.refresh, every=timedelta(hours=1)),
    ),
    step_up_methods=(
        StepUpMethod(
            "Smartcard",
            "smartcard_signin.step_up",
            "EH3",
            available=signin.has_active_card,
            setup_endpoint="smartcard_personalise.intro",
        ),
    ),
    demo=load_demo,
)

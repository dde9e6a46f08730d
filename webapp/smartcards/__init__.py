"""Smartcards (manual 002): organisations register and validate with a credential card, their administrators
manage the smartcards the portal issues, and employees make their own smartcard through the card agent."""

from datetime import timedelta

from webapp.core.modules import Link, Module, Periodic, Service, StepUpMethod
from webapp.smartcards import (
    models,  # noqa: F401  (the tables, for the migrations)
    personalise,
    personalise_views,
    signin,
    signin_views,
)

module = Module(
    name="smartcards",
    label="Smartcards",
    service=Service("smartcards", "Smartcards beheren"),
    blueprints=(personalise_views.bp, signin_views.bp),
    tiles=(
        Link(
            "Ik wil een smartcard aanmaken",
            "smartcard_personalise.intro",
            public=True,
            description="Maak met uw UZI-pas uw eigen ZORG-ID Smartcard aan.",
        ),
    ),
    periodic=(
        Periodic("Half aangemaakte smartcards afsluiten", personalise.fail_stale_cards, every=timedelta(minutes=5)),
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
)

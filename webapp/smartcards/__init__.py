"""Smartcards (manual 002): organisations register and validate with a credential card, their administrators
manage the smartcards the portal issues, and employees make their own smartcard through the card agent."""

from webapp.core.modules import Link, Module, Service
from webapp.smartcards import (
    models,  # noqa: F401  (the tables, for the migrations)
    onboarding_views,
)

module = Module(
    name="smartcards",
    label="Smartcards",
    blueprints=(onboarding_views.bp,),
    service=Service("smartcards", "Smartcards beheren"),
    tiles=(
        Link(
            "Ik wil een organisatie valideren",
            "smartcard_onboarding.start",
            public=True,
            description="Uw aanvraag is verwerkt? Valideer uw organisatie met uw UZI-zorgverlenerspas en "
            "registreer u als administrator.",
        ),
    ),
)

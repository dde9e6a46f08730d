"""Smartcards (manual 002): organisations register and validate with a credential card, their administrators
manage the smartcards the portal issues, and employees make their own smartcard through the card agent."""

from webapp.core.modules import Module, Service
from webapp.smartcards import models  # noqa: F401  (the tables, for the migrations)

module = Module(
    name="smartcards",
    label="Smartcards",
    service=Service("smartcards", "Smartcards beheren"),
)

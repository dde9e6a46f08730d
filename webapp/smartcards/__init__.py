"""Smartcards (manual 002): organisations register and validate with a credential card, their administrators
manage the smartcards the portal issues, and employees make their own smartcard through the card agent."""

from datetime import timedelta

from webapp.core.modules import Link, Module, Periodic, Service
from webapp.smartcards import (
    admin_views,
    crl,
    demo,
    models,  # noqa: F401  (the tables, for the migrations)
)

module = Module(
    name="smartcards",
    label="Smartcards",
    blueprints=(admin_views.bp, crl.bp),
    service=Service("smartcards", "Smartcards beheren"),
    nav=(Link("Smartcards", "smartcards.index", mandate="smartcards"),),
    periodic=(Periodic("Intrekkingslijst van smartcards vernieuwen", crl.refresh, every=timedelta(hours=1)),),
    demo=demo.load_demo,
)

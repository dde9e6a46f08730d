"""A staff page that tests the card agent: sign in with a smartcard, verified by the server."""

from webapp.cardcheck import views
from webapp.core.modules import Link, Module

module = Module(
    name="cardcheck",
    label="Kaartlezer",
    blueprints=(views.bp,),
    staff_pages=(
        Link(
            "Kaartlezer testen",
            "cardcheck.index",
            description="Controleer of de Kaartlezer-app, de kaartlezer en een kaart samenwerken.",
        ),
    ),
)

"""Which services the acting context can open, for the menu and the start page."""
from flask import current_app

from webapp.core.auth import SERVICES, acting

# Where each service starts, once its module is installed; services open to everyone have None.
SERVICE_ENTRY = {
    "passes": ("passes.index", "passes"),
    "courses": ("courses.my_courses", None),
    "smartcards": ("smartcards.index", "smartcards"),
    "register": ("register.index", "register"),
    "dossiers": ("dossiers.index", "dossiers"),
}


def nav_links() -> list[tuple[str, str]]:
    context = acting()
    links = []
    for service, (endpoint, mandate) in SERVICE_ENTRY.items():
        if endpoint not in current_app.view_functions:
            continue
        if mandate is None or (context is not None and context.has_mandate(mandate)):
            links.append((SERVICES[service], endpoint))
    return links

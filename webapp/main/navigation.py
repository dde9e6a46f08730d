"""The menu and the start page's tiles: what the modules offer, as far as the acting context may open it."""

from webapp.core.auth import acting
from webapp.core.modules import Link, registry


def _visible(links: list[Link]) -> list[Link]:
    context = acting()
    return [link for link in links if link.visible_to(context)]


def menu() -> list[Link]:
    return _visible(registry().all("nav"))


def tiles() -> list[Link]:
    return _visible(registry().all("tiles"))

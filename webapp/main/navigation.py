"""The menus and the start page's tiles: what the modules offer, as far as the acting context may open it."""

from dataclasses import dataclass

from webapp.core.auth import acting
from webapp.core.modules import Link, registry


@dataclass(frozen=True)
class Tile:
    link: Link
    waiting: str | None  # what waits there for the user, in Dutch, if anything


def _visible(links: list[Link]) -> list[Link]:
    context = acting()
    return [link for link in links if link.visible_to(context)]


def menu() -> list[Link]:
    return _visible(registry().all("nav"))


def mine_menu() -> list[Link]:
    """The modules' entries of the "Mijn Onderwijsgroep" menu."""
    return _visible(registry().all("mine"))


def tiles() -> list[Tile]:
    context = acting()
    return [Tile(link, link.waiting(context) if link.waiting else None) for link in _visible(registry().all("tiles"))]

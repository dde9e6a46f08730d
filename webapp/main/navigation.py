"""The menus and the start page's tiles: what the modules offer, as far as the acting context may open it."""

from dataclasses import dataclass

from webapp.core.auth import acting
from webapp.core.modules import Link, registry, waiting


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
    """The tiles the acting context may open (a visitor: the public ones), each with what waits there."""
    context = acting()
    links = _visible(registry().all("tiles"))
    said = waiting(links, context)
    return [Tile(link, said.get(link.endpoint)) for link in links]

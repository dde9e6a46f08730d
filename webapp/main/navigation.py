"""The menus and the start page's tiles: what the modules offer, as far as the acting context may open it."""

import functools
from dataclasses import dataclass

from sqlalchemy import select

from webapp.core.auth import acting
from webapp.core.modules import Link, registry
from webapp.extensions import db


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
    """The tiles the acting context may open, each with what waits there: every tile's count in one statement."""
    context = acting()
    links = tuple(_visible(registry().all("tiles")))
    counting = tuple(link for link in links if link.waiting) if context is not None else ()
    said = {}
    if counting:
        params = {}
        for link in counting:
            params.update(link.waiting.params(context))
        counts = db.session.execute(_counts(counting), params).one()
        said = {link.endpoint: link.waiting.says(count or 0) for link, count in zip(counting, counts, strict=True)}
    return [Tile(link, said.get(link.endpoint)) for link in links]


@functools.cache
def _counts(links: tuple[Link, ...]):
    return select(*(link.waiting.count.scalar_subquery() for link in links))

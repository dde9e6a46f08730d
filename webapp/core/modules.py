"""How a module plugs into the portal: it declares itself once, in its package's `__init__.py`.

    module = Module(
        name="passes",
        blueprints=[views.bp, staff.bp],
        service=Service("passes", "Digitale pasjes"),
        nav=[Link("Digitale pasjes", "passes.index", mandate="passes")],
        staff_pages=[Link("Kwalificatiehouders importeren", "passes_staff.import_csv")],
        periodic=[Periodic("Verlopen verzoeken opruimen", jobs.expire_requests, every=timedelta(hours=1))],
        demo=demo.load_demo, cli=commands.cli, preload=render.preload,
    )

The app factory reads the list of modules (`webapp.MODULES`) and nothing else names them: the
blueprints are registered, the mandate services, menu, start-page tiles and staff dashboard are
built from the declarations, `flask demo-data`, `flask sweep` and `flask worker` run what the
modules declare.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import select


@dataclass(frozen=True)
class Service:
    """A service an admin grants to a member with a mandate (machtiging)."""

    key: str
    label: str


@dataclass(frozen=True)
class Link:
    """A page a module offers in the menu, on the start page or on the staff dashboard.

    `public`: shown to visitors too; otherwise to logged-in users, and with `mandate` only to those
    acting for an organisation with that service's mandate. `description`: one line on what the page is
    for (the start page's tile, the staff dashboard). `waiting`: what waits there for the acting user,
    which the start page's tile shows (see Waiting)."""

    label: str
    endpoint: str
    mandate: str | None = None
    public: bool = False
    description: str = ""
    waiting: "Waiting | None" = None

    def visible_to(self, context) -> bool:
        if self.public:
            return True
        if context is None:
            return False
        return self.mandate is None or context.has_mandate(self.mandate)


@dataclass(frozen=True)
class Waiting:
    """What waits behind a tile for the acting user. `count`: a SELECT of one number with bound parameters
    (built once: the start page asks every tile's count in one statement); `params(context)`: their values for
    the acting user; `says(number)`: that number in Dutch ("2 verzoeken beschikbaar"), or None when nothing
    waits."""

    count: object
    params: Callable[[object], dict]
    says: Callable[[int], str | None]


@dataclass(frozen=True)
class Periodic:
    """Work to run every so often (idempotent; core.periodic runs it under a lock). `label` names it in
    Dutch on the staff page Achtergrondtaken."""

    label: str
    func: Callable[[], object]
    every: timedelta

    @property
    def name(self) -> str:
        return f"{self.func.__module__}.{self.func.__qualname__}"


@dataclass(frozen=True)
class StepUpMethod:
    """A way to raise the session's assurance level: the page that does it and the level it reaches.

    `available(user)` says whether this user can use it now (an authenticator must be coupled first);
    `setup` is where a user without it can arrange it."""

    label: str
    endpoint: str
    level: str
    available: Callable[[object], bool]
    setup_endpoint: str | None = None


@dataclass(frozen=True)
class Module:
    name: str
    label: str = ""  # Dutch: heads the module's part of the staff dashboard
    blueprints: tuple = ()
    service: Service | None = None
    nav: tuple[Link, ...] = ()
    mine: tuple[Link, ...] = ()  # the header's "Mijn Onderwijsgroep" menu, after the personal and organisation data
    tiles: tuple[Link, ...] = ()
    staff_pages: tuple[Link, ...] = ()
    periodic: tuple[Periodic, ...] = ()
    step_up_methods: tuple[StepUpMethod, ...] = ()
    demo: Callable[[], list[str]] | None = None
    cli: object | None = None  # a click group, added to `flask`
    preload: Callable[[], None] | None = None  # what `flask worker` loads once before it forks


@dataclass
class Registry:
    """The installed modules, in the app's order, and what they declare together."""

    modules: list[Module] = field(default_factory=list)

    def __post_init__(self):
        self.services = {m.service.key: m.service.label for m in self.modules if m.service}

    def all(self, attribute: str) -> list:
        return [item for module in self.modules for item in getattr(module, attribute)]

    def each(self, attribute: str) -> list:
        return [getattr(module, attribute) for module in self.modules if getattr(module, attribute) is not None]


def waiting(links, context) -> dict[str, str | None]:
    """What waits behind each link that counts (Link.waiting) for the acting context, by endpoint: every count in
    one statement (the start page's tiles, the staff dashboard)."""
    counting = tuple(link for link in links if link.waiting)
    if not counting or context is None:
        return {}
    from webapp.extensions import db

    params = {}
    for link in counting:
        params.update(link.waiting.params(context))
    counts = db.session.execute(_counts(counting), params).one()
    return {link.endpoint: link.waiting.says(count or 0) for link, count in zip(counting, counts, strict=True)}


@functools.cache
def _counts(links: tuple[Link, ...]):
    return select(*(link.waiting.count.scalar_subquery() for link in links))


def registry() -> Registry:
    return current_app.extensions["loket.modules"]


def step_up_methods(level: str) -> list[StepUpMethod]:
    """The registered ways to raise a session to at least `level`."""
    from webapp.core.auth import level_at_least

    return [method for method in registry().all("step_up_methods") if level_at_least(method.level, level)]


def mandate_services() -> dict[str, str]:
    """The mandate services of the installed modules: key -> Dutch label."""
    return registry().services

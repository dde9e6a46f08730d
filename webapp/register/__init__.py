"""The childcare person register (manual 003): organisations, logged in with eHerkenning at EH2+ and a mandate,
link persons by BSN and birth date, answer their link requests and unlink them, now or on a date; persons,
logged in with DigiD, enrol, ask organisations to link them and deregister once no longer linked."""

from datetime import timedelta

from webapp.core.modules import Link, Module, Periodic, Service
from webapp.register import (  # noqa: F401  (models: the tables)
    commands,
    demo,
    jobs,
    links_views,
    login_views,
    models,
    notices,
    organisation_views,
    person_views,
)
from webapp.register.actors import SERVICE

module = Module(
    name="register",
    label="Personenregister kinderopvang",
    blueprints=(login_views.bp, organisation_views.bp, links_views.bp, person_views.bp),
    service=Service(SERVICE, "Personenregister kinderopvang"),
    tiles=(
        Link(
            "Personenregister kinderopvang",
            "register_login.start",
            public=True,
            description="Koppel als kinderopvangorganisatie of gastouderbureau personen met eHerkenning, "
            "of schrijf u als persoon in met DigiD.",
        ),
    ),
    periodic=(
        Periodic("Geplande ontkoppelingen uitvoeren", jobs.unlink_planned, every=timedelta(minutes=15)),
        Periodic("Achtergebleven e-mails aan personen opstellen", notices.send_overdue, every=timedelta(minutes=15)),
    ),
    demo=demo.load_demo_and_logins,
    cli=commands.cli,
)

"""Digital passes (digitale pasjes): contact persons download PDF passes of qualification holders."""

from datetime import timedelta

from webapp.core.modules import Link, Module, Periodic, Service, Waiting
from webapp.passes import archive, commands, demo, render, services, staff, views

module = Module(
    name="passes",
    label="Digitale pasjes",
    blueprints=(views.bp, staff.bp),
    service=Service(services.SERVICE, "Digitale pasjes"),
    nav=(Link("Digitale pasjes", "passes.index", mandate=services.SERVICE),),
    tiles=(
        Link(
            "Digitale pasjes",
            "passes.index",
            mandate=services.SERVICE,
            description="Digitale pasjes (PDF) van kwalificatiehouders van uw organisatie aanvragen en downloaden.",
            waiting=Waiting(services.READY_REQUESTS, services.ready_requests_params, services.ready_requests_said),
        ),
    ),
    staff_pages=(
        Link(
            "Kwalificatiehouders importeren",
            "passes_staff.import_csv",
            description="Kwalificatiehouders en hun kwalificaties inlezen uit een CSV-bestand.",
        ),
    ),
    periodic=(
        Periodic("Verzoeken laten verlopen, vastgelopen verzoeken afsluiten", services.sweep, every=timedelta(hours=1)),
        Periodic("Achtergebleven archiefbestanden opruimen", archive.sweep_files, every=timedelta(hours=1)),
    ),
    demo=demo.load_demo,
    cli=commands.cli,
    preload=render.preload,
)

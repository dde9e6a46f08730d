"""The childcare person register (manual 003): organisations, logged in with eHerkenning at EH2+ and a mandate,
link persons by BSN and birth date, answer their link requests and unlink them, now or on a date; persons,
logged in with DigiD, enrol, ask organisations to link them and deregister once no longer linked."""

from webapp.core.modules import Module, Service
from webapp.register import demo, links_views, login_views, models, organisation_views  # noqa: F401  (models: the tables)
from webapp.register.actors import SERVICE

module = Module(
    name="register",
    label="Personenregister kinderopvang",
    blueprints=(login_views.bp, organisation_views.bp, links_views.bp),
    service=Service(SERVICE, "Personenregister kinderopvang"),
    demo=demo.load_demo,
)

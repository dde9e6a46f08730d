"""The childcare person register (manual 003): organisations, logged in with eHerkenning at EH2+ and a mandate,
link persons by BSN and birth date, answer their link requests and unlink them, now or on a date; persons,
logged in with DigiD, enrol, ask organisations to link them and deregister once no longer linked."""

from webapp.core.modules import Module, Service
from webapp.register import demo, models  # noqa: F401  (the tables, for the migrations)
from webapp.register.actors import SERVICE

module = Module(
    name="register",
    label="Personenregister kinderopvang",
    blueprints=(),
    service=Service(SERVICE, "Personenregister kinderopvang"),
    demo=demo.load_demo,
)

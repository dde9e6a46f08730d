"""The digital transfer dossier (manual 004, "Digitaal Doorstroomdossier"): a secondary school hands its students
activation codes; a student makes an account, starts a dossier for each programme they apply to at a receiving
college, fills part A and sends it to a mentor; the mentor fills part B; the student (and a parent under 18)
approves; the receiving college sees the finished dossier."""

from datetime import timedelta

from webapp.core.modules import Module, Periodic
from webapp.dossiers import (
    bulk,
    codes_views,
    models,  # noqa: F401  (the tables)
)

module = Module(
    name="dossiers",
    label="Digitaal Doorstroomdossier",
    blueprints=(codes_views.bp,),
    periodic=(Periodic("Verlopen brieven met activatiecodes opruimen", bulk.sweep, every=timedelta(hours=1)),),
)

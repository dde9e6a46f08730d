"""The digital transfer dossier (manual 004, "Digitaal Doorstroomdossier"): a secondary school hands its students
activation codes; a student makes an account, starts a dossier for each programme they apply to at a receiving
college, fills part A and sends it to a mentor; the mentor fills part B; the student (and a parent under 18)
approves; the receiving college sees the finished dossier."""

from webapp.core.modules import Module
from webapp.dossiers import models, part_a_models, part_a_views  # noqa: F401  (the tables)

module = Module(
    name="dossiers",
    label="Digitaal Doorstroomdossier",
    blueprints=(part_a_views.bp,),
)

"""The digital transfer dossier (manual 004, "Digitaal Doorstroomdossier"): a secondary school hands its students
activation codes; a student makes an account, starts a dossier for each programme they apply to at a receiving
college, fills part A and sends it to a mentor; the mentor fills part B; the student (and a parent under 18)
approves; the receiving college sees the finished dossier."""

from webapp.core.modules import Link, Module
from webapp.dossiers import (
    models,  # noqa: F401  (the tables)
    student_views,
)

module = Module(
    name="dossiers",
    label="Digitaal Doorstroomdossier",
    blueprints=(student_views.bp,),
    tiles=(
        Link(
            "Digitaal Doorstroomdossier",
            "dossiers_student.start",
            public=True,
            description="Leerlingen: maak een account, vul je activatiecode in en start een dossier voor je "
            "vervolgopleiding.",
        ),
    ),
)

"""The digital transfer dossier (manual 004, "Digitaal Doorstroomdossier"): a secondary school hands its students
activation codes; a student makes an account, starts a dossier for each programme they apply to at a receiving
college, fills part A and sends it to a mentor; the mentor fills part B; the student (and a parent under 18)
approves; the receiving college sees the finished dossier."""

from datetime import timedelta

from webapp.core.modules import Link, Module, Periodic
from webapp.dossiers import (  # noqa: F401  (models: the tables)
    approval_models,
    approval_views,
    bulk,
    codes_views,
    college_views,
    demo,
    mentor,
    mentor_views,
    models,
    part_a_models,
    part_a_views,
    part_b_models,
    part_b_views,
    school_views,
    staff_views,
    student_views,
    views,
)

module = Module(
    name="dossiers",
    label="Digitaal Doorstroomdossier",
    blueprints=(
        views.bp,
        school_views.bp,
        staff_views.bp,
        student_views.bp,
        codes_views.bp,
        part_a_views.bp,
        part_b_views.bp,
        approval_views.bp,
        approval_views.parent_bp,
        college_views.bp,
        mentor_views.bp,
        mentor_views.student_bp,
    ),
    tiles=(
        Link(
            "Digitaal Doorstroomdossier",
            "dossiers.index",
            public=True,
            description="Het dossier waarmee een leerling van het vmbo doorstroomt naar het mbo: "
            "voor leerlingen, mentoren en decanen.",
        ),
    ),
    staff_pages=(
        Link(
            "Vervolgopleidingen en opleidingen",
            "dossiers_staff.colleges",
            description="Welke vervolgopleidingen deelnemen aan het DDD, en hun opleidingen importeren.",
        ),
    ),
    demo=demo.load_demo,
    periodic=(Periodic("Verlopen brieven met activatiecodes opruimen", bulk.sweep, every=timedelta(hours=1)),)
    + (Periodic("Leerlingen herinneren aan de akkoordverklaring", mentor.remind_waiting, every=timedelta(hours=1)),),
)

"""Courses (manual 001): the Cursusagenda, enrolment, Mijn cursussen, invoices and the message archive (Digitaal Dossier)."""

from webapp.core.modules import Link, Module, Service, Waiting
from webapp.courses import commands, demo, services, staff, views

module = Module(
    name="courses",
    label="Cursussen",
    blueprints=(views.bp, staff.bp),
    service=Service("courses", "Cursussen"),
    nav=(Link("Cursusagenda", "courses.agenda", public=True), Link("Cursussen", "courses.my_courses")),
    mine=(
        Link("Digitaal Dossier", "courses.message_archive"),
        Link("Facturen", "courses.invoices"),
        Link("Cursussen", "courses.my_courses"),
    ),
    tiles=(
        Link(
            "Cursussen",
            "courses.my_courses",
            description="Inschrijven voor cursussen, uw inschrijvingen, resultaten en facturen bekijken.",
            waiting=Waiting(
                services.COMING_ENROLLMENTS, services.coming_enrollments_params, services.coming_enrollments_said
            ),
        ),
    ),
    staff_pages=(
        Link("Cursussen", "courses_staff.index", description="Cursussen en evenementen, deelnemers en resultaten."),
        Link("Facturen", "courses_staff.invoices", description="Facturen en creditfacturen; betaald markeren."),
        Link(
            "Bericht sturen",
            "courses_staff.message",
            description="Een bericht met bijlagen naar het Digitaal Dossier van een persoon of organisatie.",
        ),
    ),
    demo=demo.load_demo,
    cli=commands.cli,
)

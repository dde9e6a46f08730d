"""Organisations, their contact persons (memberships) and mandates: Mijn organisatie, and the staff's pages."""

from webapp.core.modules import Link, Module
from webapp.organisations import demo, staff, views

module = Module(
    name="organisations",
    label="Organisaties",
    blueprints=(views.bp, staff.bp),
    staff_pages=(
        Link(
            "Organisaties",
            "organisations_staff.index",
            description="Organisaties aanmaken en hun eerste contactpersoon uitnodigen.",
        ),
    ),
    demo=demo.load_demo,
)

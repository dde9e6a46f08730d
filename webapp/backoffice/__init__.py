"""The back-office home: the staff dashboard, outgoing mail, the periodic jobs and the Logboek."""

from datetime import timedelta

from webapp.backoffice import views
from webapp.core import mail, onetimecodes
from webapp.core.modules import Link, Module, Periodic

module = Module(
    name="backoffice",
    label="Portaal",
    blueprints=(views.bp,),
    staff_pages=(
        Link(
            "Uitgaande e-mail",
            "backoffice.outgoing_mail",
            description="E-mail die nog onderweg is of niet kon worden afgeleverd.",
        ),
        Link(
            "Achtergrondtaken",
            "backoffice.periodic_runs",
            description="Wat periodiek draait, wanneer het voor het laatst draaide en hoe dat ging.",
        ),
        Link(
            "Logboek",
            "backoffice.audit_log",
            description="Wie wat deed, voor welke organisatie: zoeken op organisatie, gebruiker, actie en datum.",
        ),
    ),
    periodic=(
        Periodic("E-mail opnieuw aanbieden", mail.retry_mail, every=timedelta(minutes=1)),
        Periodic("Eenmalige codes opruimen", onetimecodes.sweep, every=timedelta(hours=1)),
    ),
)

"""`flask create-staff EMAIL`: the first back-office account, and its activation link."""

import click

from webapp.accounts import services
from webapp.core.jobs import wait_for_in_process_jobs
from webapp.extensions import db


@click.command("create-staff")
@click.argument("email")
@click.option("--first-name", default="")
@click.option("--last-name", default="")
def create_staff(email, first_name, last_name):
    """Create an issuer staff (back-office) account and mail its activation link."""
    user = services.find_user(email) or services.create_account(email, first_name=first_name, last_name=last_name)
    user.is_staff = True
    if user.is_activated:
        db.session.commit()
        click.echo(f"{user.email} is now back-office staff; the account was active already.")
        return
    link = services.send_activation(user)
    db.session.commit()
    wait_for_in_process_jobs()  # the mail leaves after the commit
    click.echo(f"Staff account {user.email}: activation link sent.")
    click.echo(link)

"""Accounts: activation, login, logout, password reset, my data, choosing an organisation, the authenticator."""

from webapp.accounts import commands, views
from webapp.core.modules import Module, StepUpMethod

module = Module(
    name="accounts",
    blueprints=(views.bp,),
    cli=commands.create_staff,
    step_up_methods=(
        StepUpMethod(
            "Authenticator-app",
            "accounts.step_up",
            "EH2+",
            available=lambda user: user.has_authenticator,
            setup_endpoint="accounts.authenticator",
        ),
    ),
)

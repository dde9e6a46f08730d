"""The start page, the menu and the developer's mail outbox."""

from webapp.core.modules import Module
from webapp.main import views

module = Module(name="main", blueprints=(views.bp,))

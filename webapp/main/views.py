from flask import Blueprint, abort, current_app, render_template

from webapp.core.auth import acting
from webapp.core.mail import outbox_messages
from webapp.main.navigation import menu, mine_menu, tiles

bp = Blueprint("main", __name__)
bp.add_app_template_global(menu, "menu")
bp.add_app_template_global(mine_menu, "mine_menu")


@bp.get("/")
def home():
    # A visitor sees the public tiles (what one does without an account, such as validating an organisation
    # with a card); a logged-in user the tiles of their services.
    visitor = acting() is None
    return render_template("main/home.html", tiles=[tile for tile in tiles() if visitor or not tile.link.public])


@bp.get("/privacyverklaring")
def privacy():
    return render_template("main/privacy.html")


@bp.get("/toegankelijkheidsverklaring")
def accessibility():
    return render_template("main/accessibility.html")


@bp.get("/contact")
def contact():
    return render_template("main/contact.html")


@bp.get("/dev/outbox")
def outbox():
    if not current_app.config["DEBUG_PAGES"] or current_app.config["MAIL_SERVER"]:
        abort(404)
    return render_template("main/outbox.html", messages=outbox_messages())

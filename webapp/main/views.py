from flask import Blueprint, abort, current_app, render_template

from webapp.core.mail import outbox_messages
from webapp.main.navigation import menu, mine_menu, tiles

bp = Blueprint("main", __name__)
bp.add_app_template_global(menu, "menu")
bp.add_app_template_global(mine_menu, "mine_menu")


@bp.get("/")
def home():
    return render_template("main/home.html", tiles=tiles())


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

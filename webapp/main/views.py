from flask import Blueprint, abort, current_app, render_template

from webapp.core.mail import outbox_messages
from webapp.main.navigation import menu, tiles

bp = Blueprint("main", __name__)
bp.add_app_template_global(menu, "menu")


@bp.get("/")
def home():
    return render_template("main/home.html", tiles=tiles())


@bp.get("/dev/outbox")
def outbox():
    if not current_app.config["DEBUG_PAGES"] or current_app.config["MAIL_SERVER"]:
        abort(404)
    return render_template("main/outbox.html", messages=outbox_messages())

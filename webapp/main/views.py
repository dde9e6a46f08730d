from flask import Blueprint, abort, current_app, render_template

from webapp.core.mail import outbox_messages
from webapp.core.readonly import read_only
from webapp.main.navigation import nav_links

bp = Blueprint("main", __name__)


@bp.get("/")
@read_only
def home():
    return render_template("main/home.html", tiles=nav_links())


@bp.get("/dev/outbox")
def outbox():
    if not current_app.config["DEBUG_PAGES"] or current_app.config["MAIL_SERVER"]:
        abort(404)
    return render_template("main/outbox.html", messages=outbox_messages())

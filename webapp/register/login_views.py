"""The register's public start page: organisations log in with eHerkenning to link persons, persons with DigiD to
enrol."""

from flask import Blueprint, render_template

bp = Blueprint("register_login", __name__, url_prefix="/personenregister")


@bp.get("", endpoint="start")
def start():
    return render_template("register/start.html")

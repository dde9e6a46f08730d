"""Uw koppelingen: the persons linked to the acting organisation."""

from flask import Blueprint, g, render_template
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from webapp.extensions import db
from webapp.register.actors import organisation_required
from webapp.register.models import Link

bp = Blueprint("register_links", __name__, url_prefix="/personenregister/organisatie/koppelingen")


@bp.get("", endpoint="index")
@organisation_required
def index():
    links = db.session.scalars(
        select(Link)
        .options(joinedload(Link.person))
        .where(Link.organisation_id == g.register_actor.organisation_id, Link.state == "linked")
        .order_by(Link.linked_at.desc())
        .limit(50)
    ).all()
    return render_template("register/links.html", links=links)

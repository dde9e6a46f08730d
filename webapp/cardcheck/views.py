"""Kaartlezer testen: staff check that the card agent, the reader and a card work together."""

from flask import current_app, jsonify, render_template, request, session

from webapp.core import cardsignin
from webapp.core.errors import DomainError
from webapp.core.staff import staff_blueprint

bp = staff_blueprint("cardcheck", __name__, "/kaartlezer")


@bp.get("")
def index():
    return render_template("cardcheck/index.html", port=current_app.config["CARDAGENT_PORT"])


@bp.post("/uitdaging")
def challenge():
    return jsonify(nonce=cardsignin.OneChallenge(session).issue())


@bp.post("/controle")
def check():
    try:
        card = cardsignin.check_sign_in(
            request.stream.read(cardsignin.MAX_ANSWER_BYTES + 1),
            challenges=cardsignin.OneChallenge(session),
            public_url=current_app.config["PUBLIC_URL"],
            ca_file=cardsignin.ca_file("CARDAGENT_CA_FILE"),
        )
    except DomainError as error:
        return cardsignin.refused(error)
    return jsonify(ok=True, **card)

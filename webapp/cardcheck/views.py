"""Kaartlezer testen: staff check that the card agent, the reader and a card work together."""

from pathlib import Path

from flask import current_app, jsonify, render_template, request, session

from webapp.core import cardsignin
from webapp.core.errors import DomainError
from webapp.core.staff import staff_blueprint

bp = staff_blueprint("cardcheck", __name__, "/kaartlezer")


def _ca_file() -> str:
    configured = current_app.config.get("CARDAGENT_CA_FILE")
    if configured:
        return configured
    # Without a configured CA the page trusts the test CA of the virtual card (development).
    from cardagent.testca import ensure_test_ca

    directory = Path(current_app.instance_path) / "cardagent-test-ca"
    ensure_test_ca(directory)
    return str(directory / "ca.pem")


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
            ca_file=_ca_file(),
        )
    except DomainError as error:
        return jsonify(ok=False, message=error.message), 400
    return jsonify(ok=True, **card)

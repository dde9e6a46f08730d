"""The register's OpenID Connect clients (Authlib) and what their ID tokens must say.

eHerkenning logs an organisation's employee in; the token's `acr` gives the level (EHERKENNING_ACR_LEVELS), its
claims the organisation (KvK number, optionally the branch), the employee's pseudonym and the service the
employee is mandated for. DigiD logs a person in; its token carries the BSN. Authlib checks the state (kept in the
session and removed at the callback, so a second callback with the same parameters finds none), exchanges the
code (which the provider accepts once; with PKCE, S256) and checks the ID token's signature, issuer, audience, expiry and nonce;
this module checks what the claims say. Each refusal is one of REFUSALS, which the refusal page explains.
"""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from sqlalchemy import select

from webapp.accounts.models import Organisation
from webapp.core.auth import LEVELS, level_at_least
from webapp.core.bsn import BSN
from webapp.extensions import db
from webapp.register.actors import LEVEL, ORGANISATION_KINDS

CLIENTS = ("eherkenning", "digid")

# Why a login was refused: the slug in the refusal page's URL.
REFUSALS = (
    "niveau-onbekend",  # an acr Loket does not know
    "niveau-te-laag",  # below EH2+
    "geen-machtiging",  # no mandate for the register's service
    "organisatie-onbekend",  # no childcare organisation or host-parent agency with that KvK number (and branch)
    "bsn-ongeldig",  # DigiD's token without a valid BSN
    "mislukt",  # state missing or used, code refused, login cancelled, token not valid
    "niet-bereikbaar",  # the provider did not answer
)


class Refused(Exception):
    def __init__(self, reason: str):
        assert reason in REFUSALS
        super().__init__(reason)
        self.reason = reason


def init_app(app: Flask) -> None:
    """An Authlib client per provider, for this app (its settings); the metadata is fetched on first use."""
    config = app.config
    unknown = sorted(set(config["EHERKENNING_ACR_LEVELS"].values()) - set(LEVELS))
    if unknown:
        raise ValueError(f"EHERKENNING_ACR_LEVELS maps to levels Loket does not have: {unknown}")
    oauth = OAuth(app)
    for name in CLIENTS:
        prefix = name.upper()
        oauth.register(
            name,
            client_id=config[f"{prefix}_CLIENT_ID"],
            client_secret=config[f"{prefix}_CLIENT_SECRET"],
            server_metadata_url=f"{config[f'{prefix}_ISSUER']}/.well-known/openid-configuration",
            client_kwargs={"scope": config[f"{prefix}_SCOPES"], "code_challenge_method": "S256", "default_timeout": 10},
        )


def client(name: str):
    return current_app.extensions["authlib.integrations.flask_client"].create_client(name)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


def authorization_origins() -> list[str]:
    """Where the login buttons' forms end up: the providers' origins (the issuer's, and the authorization
    endpoint's once the metadata is known, without fetching it here)."""
    origins = []
    for name in CLIENTS:
        known = client(name).server_metadata.get("authorization_endpoint", "")
        for url in (current_app.config[f"{name.upper()}_ISSUER"], known):
            origin = _origin(url)
            if origin and origin not in origins:
                origins.append(origin)
    return origins


@dataclass(frozen=True)
class EmployeeLogin:
    organisation: Organisation
    level: str
    subject: str


@dataclass(frozen=True)
class PersonLogin:
    bsn: BSN
    first_name: str
    infix: str
    last_name: str
    birth_date: date | None


def _text(claims: dict, name: str) -> str:
    value = claims.get(name)
    return value.strip() if isinstance(value, str) else ""


def level_of(acr) -> str:
    """Loket's level for the token's acr; refused when Loket does not know it or it is below EH2+."""
    level = current_app.config["EHERKENNING_ACR_LEVELS"].get(acr) if isinstance(acr, str) else None
    if level is None:
        raise Refused("niveau-onbekend")
    if not level_at_least(level, LEVEL):
        raise Refused("niveau-te-laag")
    return level


def _mandated(claims: dict) -> bool:
    value = claims.get(current_app.config["EHERKENNING_SERVICE_CLAIM"])
    services = value if isinstance(value, list) else [value]
    return current_app.config["REGISTER_SERVICE_NAME"] in services


def _organisation(claims: dict) -> Organisation:
    """The organisation by the token's KvK number, and its branch when the token names one."""
    config = current_app.config
    kvk_number = _text(claims, config["EHERKENNING_KVK_CLAIM"])
    branch = _text(claims, config["EHERKENNING_BRANCH_CLAIM"])
    if not (len(kvk_number) == 8 and kvk_number.isascii() and kvk_number.isdigit()):
        raise Refused("organisatie-onbekend")  # a token with only an RSIN: Loket knows organisations by KvK
    query = select(Organisation).where(Organisation.kvk_number == kvk_number, Organisation.kind.in_(ORGANISATION_KINDS))
    if branch:
        query = query.where(Organisation.branch_number == branch)
    found = db.session.scalars(query.order_by(Organisation.id).limit(2)).all()
    if len(found) != 1:  # none, or several branches and the token does not say which
        raise Refused("organisatie-onbekend")
    return found[0]


def employee_login(claims: dict) -> EmployeeLogin:
    """What an eHerkenning ID token says, checked in the order the refusal page explains: level, mandate,
    organisation."""
    level = level_of(claims.get("acr"))
    if not _mandated(claims):
        raise Refused("geen-machtiging")
    subject = _text(claims, current_app.config["EHERKENNING_PSEUDONYM_CLAIM"])
    if not subject:
        raise Refused("mislukt")
    return EmployeeLogin(_organisation(claims), level, subject[:255])


def person_login(claims: dict) -> PersonLogin:
    config = current_app.config
    bsn = BSN.parse(_text(claims, config["DIGID_BSN_CLAIM"]))
    if bsn is None:
        raise Refused("bsn-ongeldig")
    try:
        birth_date = date.fromisoformat(_text(claims, config["DIGID_BIRTH_DATE_CLAIM"]))
    except ValueError:
        birth_date = None  # the person types it when enrolling
    return PersonLogin(
        bsn,
        _text(claims, config["DIGID_FIRST_NAME_CLAIM"])[:100],
        _text(claims, config["DIGID_INFIX_CLAIM"])[:30],
        _text(claims, config["DIGID_LAST_NAME_CLAIM"])[:100],
        birth_date,
    )

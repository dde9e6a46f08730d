"""Settings from the environment, with defaults that run the embedded portal."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

from stdnum import iban
from stdnum.eu import vat
from stdnum.exceptions import ValidationError


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Read once at start-up; tests pass overrides to create_app()."""

    def __init__(self, instance_path: str):
        instance = Path(instance_path)
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or _instance_secret(instance, "secret_key")
        # Key for BSN encryption and keyed hashes; separate from SECRET_KEY so it can be rotated apart.
        self.DATA_KEY = os.environ.get("DATA_KEY") or _instance_secret(instance, "data_key")
        self.SQLALCHEMY_DATABASE_URI = _database_url(
            os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'loket.sqlite'}"
        )
        # No ping per checkout (a round trip on every request); connections are renewed instead,
        # and a connection found dead is dropped with its pool.
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_recycle": 1800}
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        self.RQ_QUEUE = os.environ.get("RQ_QUEUE", "loket")
        self.JOB_THREADS = int(os.environ.get("JOB_THREADS", "2"))
        # Without Redis the web process runs the periodic jobs on a timer (with Redis, `flask worker` does).
        self.PERIODIC_TIMER = _bool("PERIODIC_TIMER", True)
        self.STORAGE_DIR = os.environ.get("STORAGE_DIR") or str(instance / "storage")
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
        self.MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
        self.MAIL_STARTTLS = _bool("MAIL_STARTTLS")
        self.MAIL_SENDER = os.environ.get("MAIL_SENDER", "Loket <noreply@loket.example>")
        self.MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR") or str(instance / "outbox")
        # A mail the server refuses is tried again after this many seconds, doubling each time, up to
        # MAIL_MAX_ATTEMPTS tries; then it shows as failed on the staff page Uitgaande e-mail.
        self.MAIL_RETRY_SECONDS = int(os.environ.get("MAIL_RETRY_SECONDS", "60"))
        self.MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "10"))
        self.PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", self.PUBLIC_URL.startswith("https://"))
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_NAME = "loket_session"
        # How long a login lasts without "Onthoud mijn gegevens", and with it.
        self.SESSION_IDLE = timedelta(hours=int(os.environ.get("SESSION_IDLE_HOURS", "8")))
        self.PERMANENT_SESSION_LIFETIME = timedelta(days=int(os.environ.get("REMEMBER_DAYS", "30")))
        self.TOKEN_MAX_AGE = int(os.environ.get("TOKEN_MAX_AGE_HOURS", "48")) * 3600
        self.RESET_TOKEN_MAX_AGE = int(os.environ.get("RESET_TOKEN_MAX_AGE_MINUTES", "60")) * 60
        # The person register: how long an eHerkenning or DigiD session lasts, and whether a portal member with the
        # register mandate who reached EH2+ with the portal's authenticator may use it too.
        self.REGISTER_SESSION_MINUTES = int(os.environ.get("REGISTER_SESSION_MINUTES", "60"))
        self.REGISTER_PORTAL_LOGIN = _bool("REGISTER_PORTAL_LOGIN", True)
        # The register's logins through OpenID Connect: eHerkenning for organisations, DigiD for persons. The defaults
        # point at the local test provider (oidc-provider-mock, started by scripts/dev); README says how to point
        # them at a real broker. The claim names are the broker's; the acr values map to Loket's levels.
        self.REGISTER_SERVICE_NAME = os.environ.get(
            "REGISTER_SERVICE_NAME", "Personenregister kinderopvang – Kinderopvangorganisaties"
        )
        self.EHERKENNING_ISSUER = os.environ.get("EHERKENNING_ISSUER", "http://127.0.0.1:5380").rstrip("/")
        self.EHERKENNING_CLIENT_ID = os.environ.get("EHERKENNING_CLIENT_ID", "loket-eherkenning")
        self.EHERKENNING_CLIENT_SECRET = os.environ.get("EHERKENNING_CLIENT_SECRET", "loket-development")
        self.EHERKENNING_SCOPES = os.environ.get("EHERKENNING_SCOPES", "openid")
        self.EHERKENNING_ACR_VALUES = os.environ.get(
            "EHERKENNING_ACR_VALUES", "urn:etoegang:core:assurance-class:loa2plus"
        )  # what the authorisation request asks for; the acr that comes back is checked all the same
        self.EHERKENNING_ACR_LEVELS = _mapping(
            "EHERKENNING_ACR_LEVELS",
            "urn:etoegang:core:assurance-class:loa1=EH1,urn:etoegang:core:assurance-class:loa2=EH2,"
            "urn:etoegang:core:assurance-class:loa2plus=EH2+,urn:etoegang:core:assurance-class:loa3=EH3,"
            "urn:etoegang:core:assurance-class:loa4=EH4",
        )
        self.EHERKENNING_KVK_CLAIM = os.environ.get("EHERKENNING_KVK_CLAIM", "urn:etoegang:1.9:EntityConcernedID:KvKnr")
        self.EHERKENNING_BRANCH_CLAIM = os.environ.get(
            "EHERKENNING_BRANCH_CLAIM", "urn:etoegang:1.9:ServiceRestriction:Vestigingsnr"
        )
        self.EHERKENNING_PSEUDONYM_CLAIM = os.environ.get("EHERKENNING_PSEUDONYM_CLAIM", "sub")
        self.EHERKENNING_SERVICE_CLAIM = os.environ.get("EHERKENNING_SERVICE_CLAIM", "urn:etoegang:core:ServiceName")
        self.DIGID_ISSUER = os.environ.get("DIGID_ISSUER", "http://127.0.0.1:5380").rstrip("/")
        self.DIGID_CLIENT_ID = os.environ.get("DIGID_CLIENT_ID", "loket-digid")
        self.DIGID_CLIENT_SECRET = os.environ.get("DIGID_CLIENT_SECRET", "loket-development")
        self.DIGID_SCOPES = os.environ.get("DIGID_SCOPES", "openid profile")
        self.DIGID_BSN_CLAIM = os.environ.get("DIGID_BSN_CLAIM", "bsn")
        self.DIGID_FIRST_NAME_CLAIM = os.environ.get("DIGID_FIRST_NAME_CLAIM", "given_name")
        self.DIGID_INFIX_CLAIM = os.environ.get("DIGID_INFIX_CLAIM", "infix")
        self.DIGID_LAST_NAME_CLAIM = os.environ.get("DIGID_LAST_NAME_CLAIM", "family_name")
        self.DIGID_BIRTH_DATE_CLAIM = os.environ.get("DIGID_BIRTH_DATE_CLAIM", "birthdate")
        # Koppel een persoon and each bulk post: per employee (eHerkenning pseudonym or portal user), per organisation
        self.REGISTER_LINK_LIMITS_EMPLOYEE = os.environ.get(
            "REGISTER_LINK_LIMITS_EMPLOYEE", "30 per minute;300 per hour"
        )
        self.REGISTER_LINK_LIMITS_ORGANISATION = os.environ.get(
            "REGISTER_LINK_LIMITS_ORGANISATION", "100 per minute;1000 per hour"
        )
        # Meerdere personen tegelijk koppelen: rows (form rows, file lines) per organisation
        self.REGISTER_BULK_LIMITS_ORGANISATION = os.environ.get("REGISTER_BULK_LIMITS_ORGANISATION", "10000 per day")
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or self.REDIS_URL or "memory://"
        # An unreachable Redis must not stop logins: Flask-Limiter then counts in the process's memory (and
        # logs a warning) until Redis answers again; a Redis that hangs is given up on after a second.
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}  # memory:// ignores them
        self.RATELIMIT_HEADERS_ENABLED = True
        self.RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
        self.LOGIN_LIMITS = os.environ.get("LOGIN_LIMITS", "10 per minute;50 per hour")
        # Transfer dossiers: after this many days with part B sent or in the approval, a student is marked on the
        # mentor's Mijn leerlingen and reminded (at most once a week) to fill in the approval.
        self.DOSSIER_REMINDER_DAYS = int(os.environ.get("DOSSIER_REMINDER_DAYS", "14"))
        # How many proxies in front of the portal set X-Forwarded-For/-Proto (0: none, the headers are ignored).
        self.TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
        self.DEBUG_PAGES = _bool("DEBUG_PAGES")
        self.MAX_CONTENT_LENGTH = (
            int(os.environ.get("MAX_UPLOAD_MB", "60")) * 1024 * 1024
        )  # mail outbox page, card agent test page
        # Who runs the portal and how users reach them: the footer, Contact, the privacy statement.
        self.ORGANISATION_NAME = os.environ.get("ORGANISATION_NAME", "Loket")
        self.CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "info@loket.example")
        self.CONTACT_PHONE = os.environ.get("CONTACT_PHONE") or None
        self.TOTP_ISSUER = os.environ.get("TOTP_ISSUER", "Loket")
        # Who issues the digital passes: named on every pass and on its verification page, with the logo
        # (a PNG or JPEG file) when set.
        self.PASS_ISSUER_NAME = os.environ.get("PASS_ISSUER_NAME", "Loket")
        self.PASS_ISSUER_LOGO = os.environ.get("PASS_ISSUER_LOGO") or None
        self.CARDAGENT_PORT = int(os.environ.get("CARDAGENT_PORT", "24727"))
        # PEM file of the CAs whose cards may sign in; unset: the virtual card's test CA.
        self.CARDAGENT_CA_FILE = os.environ.get("CARDAGENT_CA_FILE") or None
        # Smartcards: the outside CA(s) whose credential cards (UZI-passen) the portal trusts, PEM; unset: the
        # virtual card's test CA. The portal's own issuing CA: key and certificate files, made in the instance
        # folder when unset or missing; how long a smartcard's certificate is valid.
        self.CREDENTIAL_CA_FILE = os.environ.get("CREDENTIAL_CA_FILE") or None
        self.SMARTCARD_CA_KEY_FILE = os.environ.get("SMARTCARD_CA_KEY_FILE") or os.path.join(
            instance_path, "smartcard-ca", "ca-key.pem"
        )
        self.SMARTCARD_CA_CERT_FILE = os.environ.get("SMARTCARD_CA_CERT_FILE") or os.path.join(
            instance_path, "smartcard-ca", "ca.pem"
        )
        self.SMARTCARD_CA_NAME = os.environ.get("SMARTCARD_CA_NAME", "Loket Smartcard CA")
        self.SMARTCARD_VALID_DAYS = int(os.environ.get("SMARTCARD_VALID_DAYS", str(3 * 365)))
        # How often one address may post the public request form (Registratie aanvragen).
        self.SMARTCARD_REQUEST_LIMITS = os.environ.get("SMARTCARD_REQUEST_LIMITS", "5 per minute;20 per hour")
        # Who sends the course invoices and where they are paid; the defaults are the demo's (not a real account).
        self.INVOICE_SUPPLIER_NAME = os.environ.get("INVOICE_SUPPLIER_NAME", "Onderwijsgroep Noordwest-Holland")
        self.INVOICE_SUPPLIER_ADDRESS = os.environ.get(
            "INVOICE_SUPPLIER_ADDRESS", "Kievitstraat 31, 1781 AB Den Helder"
        )
        self.INVOICE_SUPPLIER_CONTACT = os.environ.get(
            "INVOICE_SUPPLIER_CONTACT", "0223-611310 · info@onderwijsgroepnwh.nl"
        )
        # Checked here: a mistyped account number would otherwise be printed on every invoice.
        self.INVOICE_IBAN = _checked("INVOICE_IBAN", "NL91ABNA0417164300", iban.validate)
        self.INVOICE_KVK = _checked("INVOICE_KVK", "12345678", _kvk_number)
        self.INVOICE_VAT_NUMBER = _checked("INVOICE_VAT_NUMBER", "NL000099998B57", vat.validate)
        self.INVOICE_PAYMENT_DAYS = int(os.environ.get("INVOICE_PAYMENT_DAYS", "30"))


def _checked(name: str, default: str, validate) -> str:
    """The setting in its compact form; a value that fails its check stops the start with a clear message."""
    value = os.environ.get(name) or default
    try:
        return validate(value)
    except ValidationError as error:
        raise ValueError(f"{name}={value!r} is not valid: {error}") from None


def _mapping(name: str, default: str) -> dict[str, str]:
    """A setting of the form `key=value,key=value` (keys may hold colons, as acr URNs do)."""
    pairs = [item.strip() for item in (os.environ.get(name) or default).split(",") if item.strip()]
    mapping = {}
    for pair in pairs:
        key, separator, value = pair.rpartition("=")
        if not separator or not key.strip() or not value.strip():
            raise ValueError(f"{name}: {pair!r} is not of the form value=LEVEL")
        mapping[key.strip()] = value.strip()
    return mapping


def _kvk_number(value: str) -> str:
    """A Kamer van Koophandel number: eight digits."""
    number = value.replace(" ", "")
    if not (len(number) == 8 and number.isascii() and number.isdigit()):
        raise ValidationError("a KvK number has eight digits")
    return number


def _database_url(url: str) -> str:
    # Accept the common postgres:// forms and use psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _instance_secret(instance: Path, name: str) -> str:
    """A random secret kept in the instance folder, so the embedded default needs no setup."""
    path = instance / name
    instance.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_urlsafe(48))
    return path.read_text().strip()

"""The account rules: who may log in, one-time links, passwords, the acting context, my data."""

import time

import pyotp
import segno
from flask import current_app, has_request_context, url_for
from sqlalchemy import select

from webapp.accounts.models import LoginSession, Membership, User
from webapp.accounts.sessions import end_other_sessions
from webapp.core import passwords, tokens
from webapp.core.audit import audit
from webapp.core.errors import DomainError
from webapp.core.jobs import enqueue_after_commit
from webapp.core.mail import send_mail
from webapp.core.sealing import seal, unseal
from webapp.core.signals import account_activated
from webapp.core.timeutil import utcnow
from webapp.extensions import db

ACTIVATE = "activate"
RESET = "reset"
PERSON = "person"  # the choice "act in my own name" on Organisatie kiezen


class PasswordRejected(DomainError):
    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems), field="password")
        self.problems = problems


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.execute(select(User).where(User.email == normalise_email(email))).scalar_one_or_none()


def authenticate(email: str, password: str) -> User | None:
    """The user when the password is right and the account active; None otherwise, in about the same time."""
    user = find_user(email)
    if user is None or user.password_hash is None:
        passwords.burn_verification_time(password)
        return None
    if not passwords.verify_password(user.password_hash, password):
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def create_account(email: str, *, first_name: str = "", infix: str = "", last_name: str = "", **fields) -> User:
    email = normalise_email(email)
    if find_user(email) is not None:
        raise DomainError("Er bestaat al een account met dit e-mailadres.", field="email")
    user = User(email=email, first_name=first_name, infix=infix, last_name=last_name, **fields)
    db.session.add(user)
    db.session.flush()
    # under no organisation: an admin's Logboek must not tell a new address from a known one
    audit("account.created", subject=f"user:{user.id}", organisation_id=None)
    return user


# One-time links ---------------------------------------------------------------------------


def link_for(purpose: str, user: User) -> str:
    token = tokens.make_token(purpose, user.id, user.password_hash)
    endpoint = "accounts.activate" if purpose == ACTIVATE else "accounts.reset_password"
    if has_request_context():
        path = url_for(endpoint, token=token)
    else:  # `flask create-staff`, background jobs: no request to build the URL from
        path = current_app.url_map.bind("localhost").build(endpoint, {"token": token})
    return current_app.config["PUBLIC_URL"] + path


def user_for_link(purpose: str, token: str) -> User | None:
    """The user the link is for, while it is fresh and unused (setting a password uses it up)."""
    max_age = current_app.config["TOKEN_MAX_AGE" if purpose == ACTIVATE else "RESET_TOKEN_MAX_AGE"]
    found = tokens.read_token(purpose, token, max_age)
    if found is None:
        return None
    user = db.session.get(User, found[0])
    if user is None or tokens.fingerprint(user.password_hash) != found[1]:
        return None
    if purpose == ACTIVATE and user.is_activated:
        return None
    return user


def send_activation(user: User, organisation_name: str | None = None) -> str:
    """Mail the user an activation link; return that link."""
    link = link_for(ACTIVATE, user)
    send_mail(
        user.email,
        "Activeer uw toegang tot Loket",
        "activation",
        user=user,
        link=link,
        organisation_name=organisation_name,
        valid_hours=current_app.config["TOKEN_MAX_AGE"] // 3600,
    )
    return link


def request_password_reset(email: str) -> None:
    """Mail a reset link, by a job after the commit: the request does the same work whether the address
    is known or not, so neither its answer nor its timing tells which addresses have an account."""
    enqueue_after_commit(send_password_reset, normalise_email(email))


def send_password_reset(email: str) -> None:
    """Job: mail a reset link when the address is known (an activation link to an account not activated yet)."""
    user = find_user(email)
    if user is None:
        return
    if not user.is_activated:
        send_activation(user)
        return
    send_mail(
        user.email,
        "Uw wachtwoord wijzigen",
        "password_reset",
        user=user,
        link=link_for(RESET, user),
        valid_minutes=current_app.config["RESET_TOKEN_MAX_AGE"] // 60,
    )
    audit("account.reset_requested", subject=f"user:{user.id}", actor_id=user.id)


def check_password(user: User, password: str) -> None:
    problems = passwords.password_problems(
        password, names=[user.first_name, user.infix, user.last_name], email=user.email
    )
    if problems:
        raise PasswordRejected(problems)


def set_password(user: User, password: str, *, keep: LoginSession | None = None) -> None:
    """Set a new password; every other session of the account ends."""
    check_password(user, password)
    user.password_hash = passwords.hash_password(password)
    if user.activated_at is None:
        user.activated_at = utcnow()
        audit("account.activated", subject=f"user:{user.id}", actor_id=user.id)
        account_activated.send(current_app._get_current_object(), user=user)
    else:
        audit("account.password_changed", subject=f"user:{user.id}", actor_id=user.id)
    end_other_sessions(user, keep=keep)


def change_password(user: User, current: str, new: str, keep: LoginSession) -> None:
    if not passwords.verify_password(user.password_hash, current):
        raise DomainError("Het huidige wachtwoord klopt niet.", field="current")
    set_password(user, new, keep=keep)


# Organisatie kiezen ------------------------------------------------------------------------


def context_choices(user: User) -> list[tuple[str, str]]:
    """(value, label) for Organisatie kiezen: own name first, then the organisations."""
    choices = [(PERSON, user.full_name)]
    choices += [
        (str(m.organisation_id), m.organisation.name)
        for m in sorted(user.memberships, key=lambda m: m.organisation.name)
    ]
    return choices


def choose_context(login: LoginSession, user: User, choice: str) -> None:
    if choice == PERSON:
        organisation_id = None
    else:
        membership = next((m for m in user.memberships if str(m.organisation_id) == choice), None)
        if membership is None:
            raise DomainError("Kies een organisatie uit de lijst.", field="context")
        organisation_id = membership.organisation_id
    login.organisation_id = organisation_id
    login.organisation_chosen = True
    if login.remember:
        user.last_organisation_id = organisation_id


def forget_remembered(user: User) -> None:
    user.last_organisation_id = None


# Mijn gegevens ------------------------------------------------------------------------------

PERSONAL_FIELDS = (
    "salutation",
    "initials",
    "first_name",
    "infix",
    "last_name",
    "birth_date",
    "street",
    "house_number",
    "postcode",
    "city",
    "country",
    "phone",
    "mobile",
)
EMPLOYEE_FIELDS = ("job_title", "department", "work_email", "work_phone")
NAME_FIELDS = ("first_name", "infix", "last_name")


def update_personal_data(user: User, data: dict) -> None:
    for name in PERSONAL_FIELDS:
        if name in data:
            value = data[name]
            setattr(user, name, value.strip() if isinstance(value, str) else value)
    if user.postcode:
        user.postcode = user.postcode.replace(" ", "").upper()
        user.postcode = f"{user.postcode[:4]} {user.postcode[4:]}"
    audit("account.personal_data_changed", subject=f"user:{user.id}")


def update_employee_data(membership: Membership, data: dict) -> None:
    for name in NAME_FIELDS:
        setattr(membership.user, name, data[name].strip())
    for name in EMPLOYEE_FIELDS:
        setattr(membership, name, (data[name] or "").strip())
    audit("membership.data_changed", organisation_id=membership.organisation_id, subject=f"user:{membership.user_id}")


# Authenticator (TOTP) --------------------------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_qr_data_uri(user: User, secret: str) -> str:
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=current_app.config["TOTP_ISSUER"])
    return segno.make(uri, error="m").svg_data_uri(scale=5)


def _accept_code(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step the code belongs to, when it is right and not used before."""
    code = "".join(code.split())
    totp = pyotp.TOTP(secret)
    now = int(time.time())
    for drift in (0, -1, 1):
        step = now // totp.interval + drift
        if (last_step is None or step > last_step) and totp.verify(code, for_time=step * totp.interval):
            return step
    return None


def couple_authenticator(user: User, secret: str, code: str) -> None:
    step = _accept_code(secret, code, None)
    if step is None:
        raise DomainError(
            "De code klopt niet. Kijk of de tijd op uw telefoon goed staat en probeer het opnieuw.", field="code"
        )
    user.totp_secret = seal("totp", secret)
    user.totp_last_step = step
    audit("account.authenticator_coupled", subject=f"user:{user.id}")


def decouple_authenticator(user: User, login: LoginSession) -> None:
    user.totp_secret = None
    user.totp_last_step = None
    if login.level != "EH1":
        login.level = "EH1"
    audit("account.authenticator_removed", subject=f"user:{user.id}")


def step_up(user: User, login: LoginSession, code: str) -> None:
    """A right authenticator code raises this session to EH2+."""
    if user.totp_secret is None:
        raise DomainError("U heeft nog geen authenticator gekoppeld.", field="code")
    step = _accept_code(unseal("totp", user.totp_secret), code, user.totp_last_step)
    if step is None:
        raise DomainError("De code klopt niet of is al gebruikt. Wacht op een nieuwe code.", field="code")
    user.totp_last_step = step
    login.level = "EH2+"
    audit("account.step_up", subject=f"user:{user.id}", level="EH2+")

"""Make people, organisations and memberships for a test, with real password hashes."""

import itertools

from webapp.accounts.models import Mandate, Membership, Organisation, User
from webapp.core import passwords
from webapp.core.timeutil import utcnow
from webapp.extensions import db

PASSWORD = "Zeilboot-Anker-77"
_hash_cache: dict[str, str] = {}
_sequence = itertools.count(1)


def password_hash(password: str) -> str:
    if password not in _hash_cache:
        _hash_cache[password] = passwords.hash_password(password)
    return _hash_cache[password]


class Factory:
    def __init__(self, app):
        self.app = app

    def user(self, email=None, *, password=PASSWORD, activated=True, **fields) -> User:
        number = next(_sequence)
        fields.setdefault("first_name", "Test")
        fields.setdefault("last_name", f"Persoon{number}")
        user = User(
            email=(email or f"persoon{number}@voorbeeld.example").lower(),
            password_hash=password_hash(password) if activated else None,
            activated_at=utcnow() if activated else None,
            **fields,
        )
        db.session.add(user)
        db.session.commit()
        return user

    def organisation(self, name=None, **fields) -> Organisation:
        organisation = Organisation(name=name or f"Organisatie {next(_sequence)}", **fields)
        db.session.add(organisation)
        db.session.commit()
        return organisation

    def member(self, user, organisation, role="contact", services=()) -> Membership:
        membership = Membership(user=user, organisation=organisation, role=role)
        membership.mandates = [Mandate(service=service) for service in services]
        db.session.add(membership)
        db.session.commit()
        return membership


def login(client, email, password=PASSWORD, *, remember=False, organisation=None, follow=False):
    """Log in through the login form; choose an organisation (an id, or "person") when asked."""
    response = client.post(
        "/inloggen", data={"email": email, "password": password, "remember": "y" if remember else ""}
    )
    assert response.status_code == 303, f"login failed for {email}: {response.status_code}"
    if response.headers["Location"].startswith("/organisatie-kiezen"):
        choice = "person" if organisation in (None, "person") else str(organisation)
        response = client.post(response.headers["Location"], data={"context": choice})
        assert response.status_code == 303
    return response


def acting_as(user, organisation=None, level: str = "EH1"):
    """The ActingContext a login of `user` (for `organisation`, through their membership there) would have:
    for calling services directly, as a view hands them the context."""
    from webapp.core.auth import ActingContext

    context = ActingContext(user=user, level=level, can_switch=bool(user.memberships))
    if organisation is not None:
        organisation_id = getattr(organisation, "id", organisation)
        membership = next((m for m in user.memberships if m.organisation_id == organisation_id), None)
        if membership is not None:
            context.organisation, context.membership = membership.organisation, membership
            context.mandates = frozenset(membership.services)
    return context

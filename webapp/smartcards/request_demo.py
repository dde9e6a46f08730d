"""Demo registration requests (idempotent): one waiting for the staff, one accepted for the virtual card's
default subscriber number (so the demo can validate it with `python -m cardagent.virtualcard --credential`), and
one rejected. Stored as they are, without mail."""

from datetime import timedelta

from sqlalchemy import select

from webapp.accounts.models import User
from webapp.core.timeutil import utcnow
from webapp.extensions import db
from webapp.smartcards.models import RegistrationRequest

ADDRESS = dict(street="Lindelaan", postcode="1741 AB", city="Schagen", phone="0224-123456")
REQUESTS = [
    dict(
        organisation_name="Zorggroep De Linde",
        kvk_number="41234567",
        subscriber_number="90000001",
        house_number="12",
        representative_name="Anna de Vries",
        email="anna@delinde.example",
        state="accepted",
        days_ago=3,
    ),
    dict(
        organisation_name="Huisartsenpraktijk Het Anker",
        kvk_number="42345678",
        subscriber_number="90000002",
        house_number="3",
        representative_name="Bram Kok",
        email="bram@hetanker.example",
        state="submitted",
        days_ago=1,
    ),
    dict(
        organisation_name="Thuiszorg De Duinen",
        kvk_number="43456789",
        subscriber_number="90000003",
        house_number="88",
        representative_name="Carla Smit",
        email="carla@deduinen.example",
        state="rejected",
        reason="Het abonneenummer hoort volgens het UZI-register bij een andere organisatie.",
        days_ago=5,
    ),
]


def load_demo() -> list[str]:
    if db.session.execute(select(RegistrationRequest.id).limit(1)).first():
        return ["Smartcards: er staan al aanvragen voor registratie."]
    staff = db.session.execute(select(User).where(User.is_staff.is_(True)).order_by(User.id).limit(1)).scalar()
    now = utcnow()
    for data in REQUESTS:
        data = dict(data)
        created_at = now - timedelta(days=data.pop("days_ago"))
        decided = data["state"] != "submitted"
        db.session.add(
            RegistrationRequest(
                **ADDRESS,
                **data,
                created_at=created_at,
                decided_at=created_at + timedelta(days=1) if decided else None,
                decided_by_id=staff.id if decided and staff else None,
            )
        )
    db.session.flush()
    return [
        "Smartcards: aanvragen voor registratie geladen (Beheer » Aanvragen registratie). De aanvraag van "
        "Zorggroep De Linde is geaccepteerd voor abonneenummer 90000001, het abonneenummer van de virtuele UZI-pas."
    ]

"""Holders at organisations, a contact person with the passes mandate, and requests that are not built."""

import uuid
from datetime import date, timedelta

import pytest

from tests.components import REDIS_TEST_URL, require_redis
from tests.factories import acting_as, login


class PassesWorld:
    def __init__(self, factory):
        from webapp.extensions import db
        from webapp.passes.importer import upsert_holder

        self.roc = factory.organisation("ROC Kop van Noord-Holland")
        self.herenbos = factory.organisation("Herenbos Schagen")
        self.other = factory.organisation("Ander Instituut")
        self.contact = factory.user(email="deby@herenbos.example", first_name="Deby", last_name="Rummens")
        factory.member(self.contact, self.roc, "contact", services=("passes",))
        factory.member(self.contact, self.herenbos, "contact", services=("passes",))
        self.colleague = factory.user(email="collega@rockopnh.example")
        factory.member(self.colleague, self.roc, "contact", services=("passes",))
        self.outsider = factory.user(email="ander@instituut.example")
        factory.member(self.outsider, self.other, "contact", services=("passes",))
        future = date.today() + timedelta(days=400)
        self.knightley = upsert_holder(
            dict(
                number="73029884",
                salutation="Mevr.",
                initials="K.C.",
                last_name="Knightley",
                birth_date=date(2000, 1, 1),
                email="j.bos@onsweb.nl",
                phone="0123456789",
                mobile="06111111",
            ),
            [
                dict(
                    name="Eerste Hulp",
                    kind="diploma",
                    exam_type="Eerste Hulp",
                    exam_number="EX40001",
                    exam_date=date(2018, 8, 31),
                    expires_on=future,
                ),
                dict(
                    name="Reanimatie",
                    kind="certificate",
                    exam_type="Reanimatie",
                    exam_number="EX40001",
                    exam_date=date(2018, 8, 31),
                    expires_on=future,
                    parent="Eerste Hulp",
                ),
            ],
            [(self.roc.id, "1122334455")],
        )
        self.tester = upsert_holder(
            dict(
                number="99694102",
                salutation="Dhr.",
                initials="TT",
                infix="Te",
                last_name="Tester",
                birth_date=date(2000, 1, 12),
            ),
            [
                dict(
                    name="Eerste Hulp",
                    kind="diploma",
                    exam_type="Eerste Hulp",
                    exam_number="EX45465",
                    exam_date=date(2019, 1, 21),
                    expires_on=date(2021, 1, 21),
                )
            ],
            [(self.herenbos.id, "")],
        )
        self.foreign = upsert_holder(
            dict(
                number="55500011",
                salutation="Dhr.",
                initials="X.",
                last_name="Buitenstaander",
                birth_date=date(1990, 5, 5),
            ),
            [
                dict(
                    name="Eerste Hulp",
                    kind="diploma",
                    exam_type="Eerste Hulp",
                    exam_number="EX1",
                    exam_date=date(2020, 1, 1),
                    expires_on=future,
                )
            ],
            [(self.other.id, "9")],
        )
        db.session.commit()

    def acting(self, user=None, organisation=None):
        """The acting context of a login (the contact person for the ROC, unless said otherwise)."""
        return acting_as(user or self.contact, organisation or self.roc)

    def holder_organisation(self, holder, organisation=None):
        return next(
            at for at in holder.holder_organisations if organisation is None or at.organisation_id == organisation.id
        )

    def many(self, count, organisation=None, start=10000000):
        """count more holders at the ROC (bulk, for the cap)."""
        from webapp.extensions import db
        from webapp.passes.models import Holder, HolderOrganisation

        organisation = organisation or self.roc
        for i in range(count):
            number = f"{start + i:08d}"
            holder = Holder(number=number, last_name=f"Houder{i:04d}", initials="H.")
            holder.holder_organisations = [
                HolderOrganisation(
                    organisation_id=organisation.id,
                    number=number,
                    name_key=f"houder{i:04d}",
                    expires_on=date.today() + timedelta(days=30),
                )
            ]
            db.session.add(holder)
        db.session.commit()


@pytest.fixture
def world(app, factory):
    return PassesWorld(factory)


@pytest.fixture
def contact_client(client, world):
    login(client, "deby@herenbos.example", organisation=world.roc.id)
    return client


@pytest.fixture
def no_build(app):
    """Submitted requests are stored, and their build jobs queued where no worker takes them: a Redis queue
    of this test's own (for tests that look at what was stored, or at a request in a state they set)."""
    require_redis()
    from webapp.core.jobs import queue

    app.config.update(REDIS_URL=REDIS_TEST_URL, RQ_QUEUE=f"loket-test-unbuilt-{uuid.uuid4().hex[:8]}")
    yield queue(app)
    queue(app).delete(delete_jobs=True)


def stored_request(user, organisation, holders_at, *, key="stored", reference="", status="queued", **fields):
    """A request as a submit stores it, made directly: nothing starts its build (a lost job, a worker that
    died). `holders_at`: the HolderOrganisations its holders were selected through."""
    from webapp.core.timeutil import utcnow
    from webapp.extensions import db
    from webapp.passes.models import AVAILABLE_DAYS, PassRequest, PassRequestItem

    request = PassRequest(
        user_id=user.id,
        organisation_id=organisation.id,
        idempotency_key=key,
        reference=reference,
        status=status,
        options={"exam_types": [], "expiry_dates": []},
        progress_total=len(holders_at),
        expires_at=utcnow() + timedelta(days=AVAILABLE_DAYS),
        touched_at=utcnow(),
        **fields,
    )
    request.items = [
        PassRequestItem(holder_id=at.holder_id, organisation_id=at.organisation_id, external_number=at.external_number)
        for at in holders_at
    ]
    db.session.add(request)
    db.session.commit()
    request.file_name = f"pdf-arch-request-{request.id}.zip"
    db.session.commit()
    return request


def page_key(*values) -> str:
    """A list URL's keyset key (na=, voor=) holding these values, well-formed or not."""
    from webapp.passes.listing import key_text

    return key_text(list(values))

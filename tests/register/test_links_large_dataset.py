"""`flask register large-dataset` at a small scale: every person has a valid BSN whose real keyed hash finds them and
whose sealed value opens to it; one organisation is the large one; the links planned for the one due day are what
the planned-unlink job then unlinks."""

from datetime import UTC, datetime, time

from sqlalchemy import func, select
from stdnum.nl import bsn as stdnum_bsn

from webapp.core.timeutil import AMSTERDAM
from webapp.extensions import db
from webapp.register import jobs
from webapp.register.commands import large_dataset, valid_bsns
from webapp.register.models import Link, RegisteredPerson


def test_valid_bsns_pass_the_11_proef():
    numbers = list(valid_bsns(2000))
    assert len(set(numbers)) == 2000 and all(stdnum_bsn.is_valid(number) for number in numbers)


def test_a_small_large_dataset(app):
    made = large_dataset(300, 6, 500, large=120, due=20, workers=2, echo=lambda line: None)
    assert db.session.scalar(select(func.count()).select_from(RegisteredPerson)) == 300
    assert db.session.scalar(select(func.count()).select_from(Link)) == 500
    persons = db.session.scalars(select(RegisteredPerson)).all()
    for person in persons[:50]:
        assert stdnum_bsn.is_valid(person.bsn.digits)
        assert db.session.scalar(select(RegisteredPerson.id).where(RegisteredPerson.bsn_is(person.bsn))) == person.id
    large = db.session.scalar(select(Link.organisation_id).group_by(Link.organisation_id).order_by(func.count().desc()))
    assert large == made["large_organisation_id"]
    assert db.session.scalar(select(func.count()).select_from(Link).where(Link.organisation_id == large)) == 120
    start_of_day = datetime.combine(made["due_on"], time(0), AMSTERDAM).astimezone(UTC)
    assert jobs.unlink_planned(start_of_day) == f"{made['due']} koppeling(en) ontkoppeld" and made["due"] == 20

"""The kept link counts (passes_holder_organisation_counts, maintained by database triggers) follow every way links and
their exam-type copies come and go, so the list's total stays exact without counting rows."""
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, insert, select, update

from webapp.extensions import db
from webapp.passes import services
from webapp.passes.importer import upsert_holder
from webapp.passes.models import ExamType, Holder, HolderOrganisation, HolderOrganisationCount, HolderOrganisationExamType


def kept() -> dict:
    return {(o, t): n for o, t, n in db.session.execute(
        select(HolderOrganisationCount.organisation_id, HolderOrganisationCount.exam_type_id, HolderOrganisationCount.holders)) if n}


def actual() -> dict:
    links = db.session.execute(select(HolderOrganisation.organisation_id, func.count())
                               .group_by(HolderOrganisation.organisation_id))
    types = db.session.execute(select(HolderOrganisationExamType.organisation_id, HolderOrganisationExamType.exam_type_id, func.count())
                               .group_by(HolderOrganisationExamType.organisation_id, HolderOrganisationExamType.exam_type_id))
    return {**{(o, 0): n for o, n in links}, **{(o, t): n for o, t, n in types}}


def totals(world) -> tuple[int, int]:
    """The list's total without a filter and with the Eerste Hulp filter (what the counts serve)."""
    first_aid = db.session.execute(select(ExamType.id).where(ExamType.name == "Eerste Hulp")).scalar_one()
    return (services.holder_list(world.contact.id, services.Filters()).total,
            services.holder_list(world.contact.id, services.Filters(exam_type=first_aid)).total)


def test_counts_follow_imports_bulk_inserts_moves_and_deletes(world):
    assert kept() == actual() and totals(world) == (2, 2)
    future = date.today() + timedelta(days=100)
    for i in range(3):  # the importer: a holder with two exam types at two organisations
        upsert_holder(dict(number=f"6100000{i}", last_name=f"Teller{i}", initials="T."),
                      [dict(name="Eerste Hulp", kind="diploma", exam_type="Eerste Hulp", exam_number="EX7",
                            exam_date=date(2020, 1, 1), expires_on=future),
                       dict(name="AED", kind="certificate", exam_type="AED", exam_number="EX7",
                            exam_date=date(2020, 1, 1), expires_on=future)],
                      [(world.roc.id, ""), (world.herenbos.id, "")])
    db.session.commit()
    assert kept() == actual() and totals(world) == (8, 8)
    world.many(4)  # the ORM, no exam types
    holder, *others = db.session.execute(select(Holder.id).where(Holder.number.like("6100000%"))
                                         .order_by(Holder.number)).scalars()
    db.session.execute(insert(HolderOrganisation), [  # a bulk insert (executemany)
        dict(organisation_id=world.other.id, holder_id=other, number="6100000x", name_key="teller") for other in others])
    db.session.commit()
    assert kept() == actual() and totals(world) == (12, 8)
    # a link moved to another organisation (with its exam-type copies), then links deleted
    link = db.session.execute(select(HolderOrganisation.id).where(HolderOrganisation.holder_id == holder,
                                                                  HolderOrganisation.organisation_id == world.roc.id)).scalar_one()
    db.session.execute(update(HolderOrganisation).where(HolderOrganisation.id == link).values(organisation_id=world.other.id))
    db.session.execute(update(HolderOrganisationExamType).where(HolderOrganisationExamType.holder_organisation_id == link).values(organisation_id=world.other.id))
    db.session.commit()
    assert kept() == actual() and totals(world) == (11, 7)
    for gone in (holder, world.tester.id):
        db.session.execute(delete(HolderOrganisationExamType).where(HolderOrganisationExamType.holder_organisation_id.in_(
            select(HolderOrganisation.id).where(HolderOrganisation.holder_id == gone))))
        db.session.execute(delete(HolderOrganisation).where(HolderOrganisation.holder_id == gone))
    db.session.commit()
    assert kept() == actual() and totals(world) == (9, 5)
    # an update that moves nothing (the importer refreshing names and dates) leaves the counts alone
    db.session.execute(update(HolderOrganisationExamType).values(name_key="x"))
    db.session.execute(update(HolderOrganisation).values(name_key="x"))
    db.session.commit()
    assert kept() == actual()


@pytest.fixture
def fresh_list_statements():
    """The list's statements are cached with MAX_ROWS in them: built afresh for this test, and after it."""
    caches = (services._page_query, services._head_query)
    for cache in caches:
        cache.cache_clear()
    yield
    for cache in caches:
        cache.cache_clear()


def test_a_filtered_total_is_counted_and_capped(world, monkeypatch, fresh_list_statements):
    """The count stops at one past the deepest reachable row (MAX_ROWS + 1) in the SQL; the page says "Meer dan"."""
    monkeypatch.setattr(services, "MAX_ROWS", 3)
    world.many(6)
    scope = services.scope_ids(world.contact.id)

    def counted(**filters):
        shape, params = services._shape_and_params(services.Filters(**filters), scope)
        return db.session.execute(services._count_query(shape), params).scalar_one()

    assert counted(q="houder") == 4 and counted(q="houder0001") == 1  # 6 and 1 match
    page = services.holder_list(world.contact.id, services.Filters(q="houder"))
    assert page.total == 4 and page.more and page.pages == 1
    # the kept counts (8 links) are exact; the page cuts them the same way
    assert services.holder_list(world.contact.id, services.Filters()).total == 4

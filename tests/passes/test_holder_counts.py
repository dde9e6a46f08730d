"""The kept counts (passes_holder_organisation_counts, maintained by database triggers) follow every way holder organisations and
their exam-type copies come and go, so the list's total stays exact without counting rows."""

from datetime import date, timedelta

from sqlalchemy import delete, func, insert, select, update

from webapp.extensions import db
from webapp.passes import services
from webapp.passes.importer import upsert_holder
from webapp.passes.listing import Filters
from webapp.passes.models import (
    ExamType,
    Holder,
    HolderOrganisation,
    HolderOrganisationCount,
    HolderOrganisationExamType,
)


def kept() -> dict:
    return {
        (o, t): n
        for o, t, n in db.session.execute(
            select(
                HolderOrganisationCount.organisation_id,
                HolderOrganisationCount.exam_type_id,
                HolderOrganisationCount.holders,
            )
        )
        if n
    }


def actual() -> dict:
    holders_at = db.session.execute(
        select(HolderOrganisation.organisation_id, func.count()).group_by(HolderOrganisation.organisation_id)
    )
    types = db.session.execute(
        select(
            HolderOrganisationExamType.organisation_id, HolderOrganisationExamType.exam_type_id, func.count()
        ).group_by(HolderOrganisationExamType.organisation_id, HolderOrganisationExamType.exam_type_id)
    )
    return {**{(o, 0): n for o, n in holders_at}, **{(o, t): n for o, t, n in types}}


def totals(world) -> tuple[int, int]:
    """The list's total without a filter and with the Eerste Hulp filter (what the counts serve)."""
    first_aid = db.session.execute(select(ExamType.id).where(ExamType.name == "Eerste Hulp")).scalar_one()
    return (
        services.holder_list(world.acting(), Filters()).total,
        services.holder_list(world.acting(), Filters(exam_type=first_aid)).total,
    )


def test_counts_follow_imports_bulk_inserts_moves_and_deletes(world):
    assert kept() == actual() and totals(world) == (2, 2)
    future = date.today() + timedelta(days=100)
    for i in range(3):  # the importer: a holder with two exam types at two organisations
        upsert_holder(
            dict(number=f"6100000{i}", last_name=f"Teller{i}", initials="T."),
            [
                dict(
                    name="Eerste Hulp",
                    kind="diploma",
                    exam_type="Eerste Hulp",
                    exam_number="EX7",
                    exam_date=date(2020, 1, 1),
                    expires_on=future,
                ),
                dict(
                    name="AED",
                    kind="certificate",
                    exam_type="AED",
                    exam_number="EX7",
                    exam_date=date(2020, 1, 1),
                    expires_on=future,
                ),
            ],
            [(world.roc.id, ""), (world.herenbos.id, "")],
        )
    db.session.commit()
    assert kept() == actual() and totals(world) == (8, 8)
    world.many(4)  # the ORM, no exam types
    holder, *others = db.session.execute(
        select(Holder.id).where(Holder.number.like("6100000%")).order_by(Holder.number)
    ).scalars()
    db.session.execute(
        insert(HolderOrganisation),
        [  # a bulk insert (executemany)
            dict(organisation_id=world.other.id, holder_id=other, number="6100000x", name_key="teller")
            for other in others
        ],
    )
    db.session.commit()
    assert kept() == actual() and totals(world) == (12, 8)
    # a holder moved to another organisation (with the exam-type copies), then holders' rows deleted
    moved = db.session.execute(
        select(HolderOrganisation.id).where(
            HolderOrganisation.holder_id == holder, HolderOrganisation.organisation_id == world.roc.id
        )
    ).scalar_one()
    db.session.execute(
        update(HolderOrganisation).where(HolderOrganisation.id == moved).values(organisation_id=world.other.id)
    )
    db.session.execute(
        update(HolderOrganisationExamType)
        .where(HolderOrganisationExamType.holder_organisation_id == moved)
        .values(organisation_id=world.other.id)
    )
    db.session.commit()
    assert kept() == actual() and totals(world) == (11, 7)
    for gone in (holder, world.tester.id):
        db.session.execute(
            delete(HolderOrganisationExamType).where(
                HolderOrganisationExamType.holder_organisation_id.in_(
                    select(HolderOrganisation.id).where(HolderOrganisation.holder_id == gone)
                )
            )
        )
        db.session.execute(delete(HolderOrganisation).where(HolderOrganisation.holder_id == gone))
    db.session.commit()
    assert kept() == actual() and totals(world) == (9, 5)
    # an update that moves nothing (the importer refreshing names and dates) leaves the counts alone
    db.session.execute(update(HolderOrganisationExamType).values(name_key="x"))
    db.session.execute(update(HolderOrganisation).values(name_key="x"))
    db.session.commit()
    assert kept() == actual()


def test_a_filtered_total_is_counted_and_capped(world):
    """The count stops at one past the deepest reachable row (MAX_ROWS + 1); the page says "Meer dan"."""
    from webapp.passes.listing import MAX_PAGE, MAX_ROWS
    from webapp.passes.models import Holder

    many = MAX_ROWS + 5
    db.session.execute(
        insert(Holder),
        [dict(number=f"{10_000_000 + i:08d}", last_name=f"Houder{i:05d}", initials="H.") for i in range(many)],
    )
    ids = db.session.execute(select(Holder.id, Holder.number).where(Holder.number.like("1%"))).all()
    db.session.execute(
        insert(HolderOrganisation),
        [
            dict(
                organisation_id=world.roc.id,
                holder_id=holder_id,
                number=number,
                name_key=f"houder{int(number) - 10_000_000:05d}",
            )
            for holder_id, number in ids
        ],
    )
    db.session.commit()

    assert services.holder_count(world.acting(), Filters(search="houder")) == MAX_ROWS + 1  # not all 10,005
    assert services.holder_count(world.acting(), Filters(search=f"houder{many - 1}")) == 1
    page = services.holder_list(world.acting(), Filters(search="houder"))
    assert page.total == MAX_ROWS + 1 and page.more and page.pages == MAX_PAGE
    # the kept counts (10,007 holders at organisations) are exact; the page cuts them the same way
    page = services.holder_list(world.acting(), Filters())
    assert page.total == MAX_ROWS + 1 and page.more

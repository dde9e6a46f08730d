"""passes_0008: the holder-organisation tables take their glossary names; the data stays and the kept
counts keep counting (their triggers made again), down and up again, on both databases."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from webapp.extensions import db
from webapp.passes.models import HolderOrganisation, HolderOrganisationCount, HolderOrganisationExamType, SelectionItem


def rows(connection, sql: str) -> list:
    return sorted(tuple(row) for row in connection.execute(sa.text(sql)))


def counts_are_kept(connection, holders_at: str, exam_types: str, counts: str, count: str) -> bool:
    kept = rows(connection, f"SELECT organisation_id, exam_type_id, {count} FROM {counts} WHERE {count} > 0")
    actual = rows(
        connection,
        f"SELECT organisation_id, 0, count(*) FROM {holders_at} GROUP BY organisation_id "
        f"UNION ALL SELECT organisation_id, exam_type_id, count(*) FROM {exam_types} "
        "GROUP BY organisation_id, exam_type_id",
    )
    return kept == actual and bool(kept)


def test_the_rename_keeps_the_rows_and_the_counts(app, world):
    knightley_at_roc = world.holder_organisation(world.knightley)
    db.session.add(
        SelectionItem(
            user_id=world.contact.id, holder_organisation_id=knightley_at_roc.id, holder_id=world.knightley.id
        )
    )
    db.session.commit()
    ids = dict(
        roc=world.roc.id,
        other=world.other.id,
        herenbos=world.herenbos.id,
        knightley=world.knightley.id,
        foreign=world.foreign.id,
        exam_type=world.foreign.qualifications[0].exam_type_id,
    )
    before = {
        "holders_at": rows(
            db.session.connection(),
            "SELECT id, organisation_id, holder_id, external_number FROM passes_holder_organisations",
        ),
        "exam_types": rows(
            db.session.connection(),
            "SELECT holder_organisation_id, exam_type_id FROM passes_holder_organisation_exam_types",
        ),
        "selection": rows(
            db.session.connection(), "SELECT user_id, holder_organisation_id, holder_id FROM passes_selection_items"
        ),
    }
    db.session.remove()

    directory = app.extensions["migrate"].directory
    downgrade(directory=directory, revision="0003")
    try:
        with db.engine.begin() as connection:
            assert (
                rows(connection, "SELECT id, organisation_id, holder_id, external_number FROM passes_holder_links")
                == before["holders_at"]
            )
            assert rows(connection, "SELECT link_id, exam_type_id FROM passes_link_exam_types") == before["exam_types"]
            assert (
                rows(connection, "SELECT user_id, link_id, holder_id FROM passes_selection_items")
                == before["selection"]
            )
            # the old triggers count again under the old names
            connection.execute(sa.text(f"DELETE FROM passes_link_exam_types WHERE organisation_id = {ids['roc']}"))
            connection.execute(
                sa.text(
                    f"INSERT INTO passes_holder_links (organisation_id, holder_id, external_number, number, "
                    f"name_key) VALUES ({ids['other']}, {ids['knightley']}, '', '73029884', 'knightley')"
                )
            )
            assert counts_are_kept(
                connection, "passes_holder_links", "passes_link_exam_types", "passes_link_counts", "links"
            )
    finally:
        upgrade(directory=directory, revision="heads")

    with db.engine.connect() as connection:
        assert counts_are_kept(
            connection,
            "passes_holder_organisations",
            "passes_holder_organisation_exam_types",
            "passes_holder_organisation_counts",
            "holders",
        )
        assert (
            rows(connection, "SELECT user_id, holder_organisation_id, holder_id FROM passes_selection_items")
            == before["selection"]
        )
    # the ORM and the new triggers: a holder at one more organisation, with an exam type, counted
    holder_organisation = HolderOrganisation(
        organisation_id=ids["herenbos"], holder_id=ids["foreign"], number="55500011", name_key="buitenstaander"
    )
    db.session.add(holder_organisation)
    db.session.flush()
    db.session.add(
        HolderOrganisationExamType(
            holder_organisation_id=holder_organisation.id,
            exam_type_id=ids["exam_type"],
            organisation_id=ids["herenbos"],
            number="55500011",
            name_key="buitenstaander",
        )
    )
    db.session.commit()
    assert (
        db.session.get(HolderOrganisationCount, (ids["herenbos"], ids["exam_type"])).holders == 2
    )  # Tester and now him
    assert len(db.session.execute(sa.select(HolderOrganisation)).all()) == len(before["holders_at"]) + 2

"""A holder registered at two of the contact person's organisations is ONE holder: selected once,
counted once against the cap of 250, and given one pass per chosen qualification in the archive."""

import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from tests.factories import login
from webapp.core.jobs import wait_for_in_process_jobs
from webapp.extensions import db
from webapp.passes import services
from webapp.passes.archive import unique_name
from webapp.passes.listing import Filters
from webapp.passes.models import Holder, HolderOrganisation, PassRequest, SelectionItem


def at_both(world, count, start=20000000):
    """count holders, each at the ROC AND at Herenbos (both in the contact person's scope)."""
    for i in range(count):
        number = f"{start + i:08d}"
        holder = Holder(number=number, last_name=f"Dubbel{i:04d}", initials="D.")
        holder.holder_organisations = [
            HolderOrganisation(
                organisation_id=organisation.id,
                number=number,
                name_key=f"dubbel{i:04d}",
                expires_on=date.today() + timedelta(days=30),
            )
            for organisation in (world.roc, world.herenbos)
        ]
        db.session.add(holder)
    db.session.commit()


def also_at_herenbos(world, holder, external="777"):
    """Register an existing holder at Herenbos as well (the world has Knightley at the ROC only)."""
    from webapp.passes.importer import upsert_holder

    upsert_holder(dict(number=holder.number), [], [(world.herenbos.id, external)])
    db.session.commit()
    return world.holder_organisation(holder, world.roc), world.holder_organisation(holder, world.herenbos)


def test_adding_a_holder_through_both_organisations_selects_them_once(world):
    at_roc, at_herenbos = also_at_herenbos(world, world.knightley)
    first = services.add_to_selection(world.acting(), [at_roc.id])
    second = services.add_to_selection(world.acting(), [at_herenbos.id])
    both = services.add_to_selection(world.acting(), [at_roc.id, at_herenbos.id])
    assert (first.added, second.added, both.added) == (1, 0, 0)
    assert services.selection_summary(world.acting()).count == 1
    # both rows of "Alle Organisaties" show the holder as added; removing either row removes the holder
    page = services.holder_list(world.acting(), Filters(search="knightley"))
    assert len(page.rows) == 2 and all(row.holder_id in page.selected for row in page.rows)
    services.remove_from_selection(world.acting(), at_herenbos.id)
    assert services.selection_summary(world.acting()).count == 0


def test_the_database_refuses_a_holder_twice_in_one_selection(world):
    at_roc, at_herenbos = also_at_herenbos(world, world.knightley)
    db.session.add(
        SelectionItem(user_id=world.contact.id, holder_organisation_id=at_roc.id, holder_id=world.knightley.id)
    )
    db.session.commit()
    db.session.add(
        SelectionItem(user_id=world.contact.id, holder_organisation_id=at_herenbos.id, holder_id=world.knightley.id)
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_add_all_counts_holders_against_the_cap(world):
    at_both(world, 300)  # 600 rows in "Alle Organisaties", 300 holders
    result = services.add_all_to_selection(world.acting(), Filters())
    assert result.added == 250 and result.capped
    chosen = db.session.query(SelectionItem.holder_id).filter_by(user_id=world.contact.id).all()
    assert len(chosen) == len(set(chosen)) == 250
    summary = services.selection_summary(world.acting())
    assert summary.count == 250


def test_add_all_below_the_cap_takes_every_holder_once_and_says_not_capped(world):
    at_both(world, 130)  # 260 rows, 130 holders (+ Knightley and Tester)
    result = services.add_all_to_selection(world.acting(), Filters())
    assert (result.added, result.capped) == (132, False)
    assert services.selection_summary(world.acting()).count == 132


def test_archive_has_one_pass_per_holder_and_qualification_with_unique_names(contact_client, world):
    at_roc, at_herenbos = also_at_herenbos(world, world.knightley)
    login(contact_client, "deby@herenbos.example", organisation=world.roc.id)
    for at in (at_roc, at_herenbos, world.holder_organisation(world.tester)):
        assert contact_client.post(f"/pasjes/selectie/{at.id}/toevoegen").status_code == 303
    assert "<strong>2</strong> Kwalificatiehouder(s) toegevoegd" in contact_client.get("/pasjes").get_data(as_text=True)
    assert contact_client.post("/pasjes/verzoek", data={"sleutel": "eens"}).status_code == 303
    wait_for_in_process_jobs()
    request = db.session.query(PassRequest).one()
    db.session.refresh(request)
    assert request.status == "available" and request.progress_total == 2
    with zipfile.ZipFile(services.download(world.acting(), request.id).path) as archive:
        names = archive.namelist()
    assert sorted(names) == [
        "73029884_Mevr._K.C._Knightley_Eerste_Hulp.pdf",
        "73029884_Mevr._K.C._Knightley_Reanimatie.pdf",
        "99694102_Dhr._TT_Te_Tester_Eerste_Hulp.pdf",
    ]


def test_unique_name_numbers_a_repeated_file_name():
    taken = set()
    assert [unique_name(n, taken) for n in ("a.pdf", "a.pdf", "b.pdf", "a.pdf", "noext", "noext")] == [
        "a.pdf",
        "a-2.pdf",
        "b.pdf",
        "a-3.pdf",
        "noext",
        "noext-2",
    ]

"""The list's scope, filters and sort; the selection and its cap; requests and who may have them."""

import threading
from datetime import date, timedelta

import pytest

from tests.factories import acting_as
from tests.passes.conftest import stored_request
from webapp.core.errors import DomainError, NotFound
from webapp.extensions import db
from webapp.passes import archive, services
from webapp.passes.listing import Filters
from webapp.passes.models import PassRequest, SelectionItem


def numbers(page):
    return [holder.number for holder in page.rows]


def listing(world, **filters):
    return services.holder_list(world.acting(), Filters(**filters))


def test_scope_is_organisations_with_the_passes_mandate(world):
    assert numbers(listing(world)) == ["73029884", "99694102"]
    assert numbers(services.holder_list(world.acting(world.outsider, world.other), Filters())) == ["55500011"]
    # the organisation filter cannot widen the scope
    assert numbers(listing(world, organisation=world.other.id)) == []
    assert numbers(listing(world, organisation=world.herenbos.id)) == ["99694102"]


def test_search_by_number_prefix_name_prefix_or_birth_date(world):
    assert numbers(listing(world, search="7302")) == ["73029884"]
    assert numbers(listing(world, search="knight")) == ["73029884"]
    assert numbers(listing(world, search="TESTER")) == ["99694102"]
    assert numbers(listing(world, search="12-01-2000")) == ["99694102"]
    assert numbers(listing(world, search="50_%")) == []


def test_search_finds_the_name_as_shown_and_the_external_number(world):
    for typed in ("K.C. Knightley", "Knightley K.C.", "Mevr. K.C. Knightley", "knightley, k.c.", "K. Knightl"):
        assert numbers(listing(world, search=typed)) == ["73029884"], typed
    for typed in ("TT Te Tester", "Te Tester", "Dhr. TT Te Tester", "Tester, TT Te", "T. Tester"):
        assert numbers(listing(world, search=typed)) == ["99694102"], typed
    assert numbers(listing(world, search="A.B. Knightley")) == []  # other initials: another person
    assert numbers(listing(world, search="1122334455")) == ["73029884"]  # the extern nummer at the ROC
    assert numbers(listing(world, search="112233")) == ["73029884"]
    assert numbers(listing(world, search="11223344")) == ["73029884"]  # no qualification number starts so
    # the same, with an exam type (another source table) and across pages of the shape's SQL
    eh = next(t for t in services.list_choices(world.acting())[1] if t.name == "Eerste Hulp")
    assert numbers(listing(world, search="Knightley K.C.", exam_type=eh.id)) == ["73029884"]
    assert numbers(listing(world, search="1122334455", exam_type=eh.id)) == ["73029884"]
    assert services.holder_count(world.acting(), Filters(search="K.C. Knightley")) == 1


def test_an_alphanumeric_external_number_is_found(world, factory):
    from webapp.passes.models import HolderOrganisation

    at = world.holder_organisation(world.tester)
    at.external_number = "HB-0042"
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(HolderOrganisation, at.id).external_number == "HB-0042"
    assert numbers(listing(world, search="HB-004")) == ["99694102"]


def test_extended_filters_and_sort(world):
    eh = next(t for t in services.list_choices(world.acting())[1] if t.name == "Reanimatie")
    assert numbers(listing(world, exam_type=eh.id)) == ["73029884"]
    assert numbers(listing(world, exam_number="EX45465")) == ["99694102"]
    assert numbers(listing(world, expires_to=date(2021, 12, 31))) == ["99694102"]
    assert numbers(listing(world, sort="expires_on", direction="desc")) == ["73029884", "99694102"]
    assert numbers(listing(world, sort="name")) == ["73029884", "99694102"]
    assert numbers(listing(world, sort="name", direction="desc")) == ["99694102", "73029884"]


def test_details_of_another_organisations_holder_are_not_found(world):
    with pytest.raises(NotFound):
        services.holder_details(world.acting(), world.holder_organisation(world.foreign).id)


def test_a_context_without_the_passes_mandate_is_refused(world, factory):
    """The services check the mandate themselves, whatever the view did."""
    factory.member(world.outsider, world.roc, "contact", services=("courses",))
    at_the_roc = world.acting(world.outsider, world.roc)
    for call in (
        lambda: services.holder_list(at_the_roc, Filters()),
        lambda: services.selection_summary(at_the_roc),
        lambda: services.add_to_selection(at_the_roc, [world.holder_organisation(world.knightley).id]),
        lambda: services.my_requests(at_the_roc),
        lambda: services.submit_request(at_the_roc, "k"),
    ):
        with pytest.raises(NotFound):
            call()


def test_selection_adds_only_holders_in_scope(world):
    result = services.add_to_selection(
        world.acting(), [world.holder_organisation(world.knightley).id, world.holder_organisation(world.foreign).id]
    )
    assert result.added == 1
    summary = services.selection_summary(world.acting())
    assert (summary.count, summary.organisations) == (1, 1)


def test_add_all_stops_at_the_cap(world):
    world.many(260)
    result = services.add_all_to_selection(world.acting(), Filters())
    assert result.added == 250 and result.capped
    again = services.add_to_selection(world.acting(), [world.holder_organisation(world.tester).id])
    assert again.added == 0 and again.capped
    services.clear_selection(world.acting())
    assert services.selection_summary(world.acting()).count == 0


def test_cap_holds_under_twenty_concurrent_add_all_posts(app, world):
    """PostgreSQL serialises them on the counter row's lock, SQLite on its write lock."""
    world.many(400)
    user_id = world.contact.id
    contact_id, roc_id = world.contact.id, world.roc.id
    db.session.remove()
    barrier = threading.Barrier(20)
    errors = []

    def post(direction):
        with app.app_context():
            try:
                from webapp.accounts.models import User
                from webapp.core.transactions import take_write_lock

                barrier.wait(timeout=60)  # before any connection is taken: 20 threads, fewer in the pool
                take_write_lock()  # as a writing request does at its start
                context = acting_as(db.session.get(User, contact_id), roc_id)
                services.add_all_to_selection(context, Filters(direction=direction))
                db.session.commit()
            except Exception as error:  # pragma: no cover - shown in the assertion
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=post, args=("asc" if i % 2 else "desc",)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert db.session.query(SelectionItem).filter_by(user_id=user_id).count() == 250


def select_and_submit(world, key="key-1", **options):
    services.add_to_selection(
        world.acting(), [world.holder_organisation(world.knightley).id, world.holder_organisation(world.tester).id]
    )
    return services.submit_request(world.acting(), key, **options)


def test_double_submit_makes_one_request(world):
    first = select_and_submit(world, reference="testgroep")
    second = services.submit_request(world.acting(), "key-1")
    assert first.id == second.id
    assert db.session.query(PassRequest).count() == 1
    assert services.selection_summary(world.acting()).count == 0
    assert len(first.items) == 2 and first.reference == "testgroep"


def test_the_build_starts_only_once_the_request_is_committed(world, no_build):
    request = select_and_submit(world)
    assert no_build.count == 0
    db.session.commit()
    assert [job.func_name for job in no_build.jobs] == ["webapp.passes.archive.start_build"]
    assert no_build.jobs[0].args == (request.id,)


def test_queue_down_stores_nothing_and_keeps_the_selection(app, world):
    services.add_to_selection(world.acting(), [world.holder_organisation(world.knightley).id])
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    with pytest.raises(DomainError, match="tijdelijk niet bereikbaar"):
        services.submit_request(world.acting(), "k")
    assert db.session.query(PassRequest).count() == 0
    assert services.selection_summary(world.acting()).count == 1


def test_options_that_make_no_pass_are_refused_and_store_nothing(world):
    """Reanimatie is Knightley's only; 21-01-2021 is only Tester's expiry date: together, not one pass."""
    reanimatie = next(t for t in services.list_choices(world.acting())[1] if t.name == "Reanimatie")
    with pytest.raises(DomainError, match="geen enkel pasje"):
        select_and_submit(world, exam_type_ids=[reanimatie.id], expiry_dates=["2021-01-21"])
    assert db.session.query(PassRequest).count() == 0
    assert services.selection_summary(world.acting()).count == 2
    future = world.knightley.qualifications[0].expires_on.isoformat()
    request = services.submit_request(
        world.acting(), "key-2", exam_type_ids=[reanimatie.id], expiry_dates=["2021-01-21", future]
    )
    assert request.options == {"exam_types": [reanimatie.id], "expiry_dates": sorted(["2021-01-21", future])}


def test_only_the_submitter_sees_and_downloads_a_request(world):
    request = select_and_submit(world)
    colleague = world.acting(world.colleague)
    assert [r.id for r in services.my_requests(colleague)] == []
    with pytest.raises(NotFound):
        services.my_request(colleague, request.id)
    with pytest.raises(NotFound):
        services.download(colleague, request.id)


def available_request(world):
    """A request of Knightley at the ROC and Tester at Herenbos, its archive in place."""
    request = stored_request(
        world.contact,
        world.roc,
        [world.holder_organisation(world.knightley), world.holder_organisation(world.tester)],
        status="available",
    )
    archive.ARCHIVES.store(archive.archive_name(request.id), b"PK")
    return request


def test_a_request_closes_when_an_organisation_in_it_is_deleted(world):
    request = available_request(world)
    assert services.closed_requests(world.acting(), [request]) == set()
    assert services.download(world.acting(), request.id).path.read_bytes() == b"PK"
    db.session.delete(world.roc)
    db.session.commit()
    at_herenbos = world.acting(organisation=world.herenbos)
    assert services.closed_requests(at_herenbos, [request]) == {request.id}
    with pytest.raises(NotFound):
        services.download(at_herenbos, request.id)


def test_expiry_sweep_deletes_the_file(world):
    request = available_request(world)
    path = services.download(world.acting(), request.id).path
    request.expires_at = request.expires_at - timedelta(days=8)
    db.session.commit()
    with pytest.raises(NotFound):  # past its days, before any sweep
        services.download(world.acting(), request.id)
    assert services.expire_requests() == 1
    db.session.commit()  # the file goes once the request says Verlopen
    assert request.status == "expired" and not path.exists()
    with pytest.raises(NotFound):
        services.download(world.acting(), request.id)


def test_exam_type_and_expiry_filters_follow_a_reimport(world):
    """The list filters on copies (holder organisation x exam type, latest expiry): an import keeps them in step."""
    from webapp.passes.importer import upsert_holder

    later = date.today() + timedelta(days=3000)
    upsert_holder(
        dict(number="99694102"),
        [
            dict(
                name="AED",
                kind="certificate",
                exam_type="AED",
                exam_number="EX9",
                exam_date=date(2024, 1, 1),
                expires_on=later,
            )
        ],
        [],
    )
    db.session.commit()
    aed = next(t for t in services.list_choices(world.acting())[1] if t.name == "AED")
    assert numbers(listing(world, exam_type=aed.id)) == ["99694102"]
    assert numbers(listing(world, exam_type=aed.id, organisation=world.roc.id)) == []
    assert numbers(listing(world, exam_type=aed.id, exam_number="EX9")) == ["99694102"]
    assert numbers(listing(world, exam_type=aed.id, exam_number="EX40001")) == []
    assert services.holder_count(world.acting(), Filters(exam_type=aed.id, exam_number="EX9")) == 1
    assert numbers(listing(world, expires_from=later, expires_to=later)) == ["99694102"]
    assert numbers(listing(world, expires_to=date(2021, 12, 31))) == []
    services.add_all_to_selection(world.acting(), Filters(exam_type=aed.id))
    assert services.selection_summary(world.acting()).count == 1

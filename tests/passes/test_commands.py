"""`flask passes generate`: bulk, deterministic holders and a contact person who sees some of them."""

from sqlalchemy import func, select

from tests.factories import acting_as
from webapp.extensions import db


def test_generate_makes_holders_qualifications_and_a_bench_contact(app):
    from webapp.accounts.models import User
    from webapp.passes import services
    from webapp.passes.listing import Filters
    from webapp.passes.models import Holder, HolderOrganisation, Qualification

    result = app.test_cli_runner().invoke(
        args=["passes", "generate", "--holders", "300", "--organisations", "6", "--contact-of", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "300 kwalificatiehouders" in result.output
    assert db.session.execute(select(func.count()).select_from(Holder)).scalar_one() == 300
    qualifications = db.session.execute(select(func.count()).select_from(Qualification)).scalar_one()
    assert 600 < qualifications < 1200  # about 3 each
    holder = db.session.execute(select(Holder).where(Holder.number == "30000000")).scalar_one()
    at = holder.holder_organisations[0]
    assert at.expires_on == max(q.expires_on for q in holder.qualifications) and at.name_key == holder.last_name.lower()
    bench = db.session.execute(select(User).where(User.email == "bench@pasjes.example")).scalar_one()
    bench_context = acting_as(bench, bench.memberships[0].organisation_id)
    assert len(services.scope_organisations(bench_context)) == 2
    page = services.holder_list(bench_context, Filters())
    # the exam-type filter reads the holder organisation x exam-type copies the generator fills
    first_type = holder.qualifications[0].exam_type_id
    typed = services.holder_list(bench_context, Filters(exam_type=first_type))
    assert 0 < typed.total < page.total
    assert all(
        any(q.exam_type_id == first_type for q in db.session.get(Holder, row.holder_id).qualifications)
        for row in typed.rows
    )
    assert 0 < page.total < db.session.execute(select(func.count()).select_from(HolderOrganisation)).scalar_one()
    # a second run refuses rather than duplicating
    again = app.test_cli_runner().invoke(args=["passes", "generate", "--holders", "10"])
    assert again.exit_code != 0 and "bestaan al" in again.output


def test_generate_is_deterministic(app):
    from webapp.passes.commands import generate
    from webapp.passes.models import Holder

    generate(50, organisations=3, contact_of=1, echo=lambda *_: None)
    first = [
        (h.number, h.last_name, h.birth_date)
        for h in db.session.execute(select(Holder).order_by(Holder.number)).scalars()
    ]
    assert first[0][0] == "30000000" and len(first) == 50
    from webapp.passes.models import HolderOrganisation, HolderOrganisationExamType, Qualification

    for model in (HolderOrganisationExamType, Qualification, HolderOrganisation, Holder):
        db.session.execute(model.__table__.delete())
    db.session.commit()
    generate(50, organisations=3, contact_of=1, echo=lambda *_: None)
    second = [
        (h.number, h.last_name, h.birth_date)
        for h in db.session.execute(select(Holder).order_by(Holder.number)).scalars()
    ]
    assert second == first

"""passes_0007: a request's items learn the organisation each holder was selected through."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.passes.conftest import stored_request
from webapp.extensions import db
from webapp.passes.models import PassRequestItem


def test_items_made_before_the_column_get_their_holders_organisation(app, world):
    request = stored_request(
        world.contact,
        world.herenbos,
        [world.holder_organisation(world.knightley), world.holder_organisation(world.tester)],
    )
    # an item whose holder is at none of Deby's organisations: the request's own organisation
    db.session.add(PassRequestItem(request_id=request.id, holder_id=world.foreign.id, organisation_id=world.other.id))
    db.session.commit()
    request_id = request.id
    expected = {
        world.knightley.id: world.roc.id,
        world.tester.id: world.herenbos.id,
        world.foreign.id: world.herenbos.id,
    }
    db.session.remove()

    directory = app.extensions["migrate"].directory
    downgrade(directory=directory, revision="passes_0006")
    try:
        with db.engine.connect() as connection:
            columns = [c["name"] for c in sa.inspect(connection).get_columns("passes_request_items")]
        assert "organisation_id" not in columns
    finally:
        upgrade(directory=directory, revision="heads")

    found = dict(
        db.session.execute(
            sa.select(PassRequestItem.holder_id, PassRequestItem.organisation_id).where(
                PassRequestItem.request_id == request_id
            )
        ).all()
    )
    assert found == expected

"""passes_0007: a request's items learn the organisation each holder was selected through."""
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from webapp.extensions import db
from webapp.passes import services
from webapp.passes.models import PassRequestItem


def test_items_made_before_the_column_get_their_holders_organisation(app, world):
    services.add_to_selection(world.contact.id, [world.holder_organisation(world.knightley).id, world.holder_organisation(world.tester).id])
    request = services.submit_request(world.contact.id, world.herenbos.id, "k", enqueue=lambda request_id: None)
    # an item whose holder has no link at Deby's organisations: the request's own organisation
    db.session.add(PassRequestItem(request_id=request.id, holder_id=world.foreign.id, organisation_id=world.other.id))
    db.session.commit()
    request_id = request.id
    expected = {world.knightley.id: world.roc.id, world.tester.id: world.herenbos.id, world.foreign.id: world.herenbos.id}
    db.session.remove()

    directory = app.extensions["migrate"].directory
    downgrade(directory=directory, revision="passes_0006")
    try:
        with db.engine.connect() as connection:
            columns = [c["name"] for c in sa.inspect(connection).get_columns("passes_request_items")]
        assert "organisation_id" not in columns
    finally:
        upgrade(directory=directory, revision="heads")

    found = dict(db.session.execute(sa.select(PassRequestItem.holder_id, PassRequestItem.organisation_id)
                                    .where(PassRequestItem.request_id == request_id)).all())
    assert found == expected

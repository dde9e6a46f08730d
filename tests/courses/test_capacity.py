"""An event never takes more participants than its places, also under concurrent enrolments."""
import threading

from sqlalchemy import func, select

from tests.courses.helpers import make_event
from webapp.accounts.models import User
from webapp.core.errors import DomainError
from webapp.courses import services
from webapp.courses.models import Enrollment, Invoice
from webapp.courses.services import Actor
from webapp.extensions import db


def test_fifty_concurrent_enrolments_for_ten_places(app, outbox):
    event = make_event(places=10)
    users = [User(email=f"deelnemer{i}@voorbeeld.example", first_name="Deelnemer", last_name=str(i)) for i in range(50)]
    db.session.add_all(users)
    db.session.commit()
    user_ids, event_id = [u.id for u in users], event.id
    # Half of them accept the waiting list, the other half want a place or nothing.
    outcomes, start = {}, threading.Barrier(len(user_ids))

    def attempt(index, user_id):
        with app.app_context():
            try:
                start.wait()
                enrollment = services.enrol(Actor(user_id), event_id, waiting_list=index % 2 == 0)
                outcomes[user_id] = enrollment.status
            except DomainError as error:
                outcomes[user_id] = error.message
            except Exception as error:  # noqa: BLE001 - a crash is what the test must expose
                outcomes[user_id] = f"crash: {error!r}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(i, uid)) for i, uid in enumerate(user_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    db.session.expire_all()
    statuses = sorted(outcomes.values())
    assert len(outcomes) == 50
    assert not [s for s in statuses if s.startswith("crash")], statuses
    enrolled = db.session.execute(select(func.count()).where(Enrollment.event_id == event_id, Enrollment.status == "enrolled")).scalar_one()
    waiting = db.session.execute(select(func.count()).where(Enrollment.event_id == event_id, Enrollment.status == "waiting")).scalar_one()
    refused = [s for s in statuses if "vol" in s]
    assert enrolled == 10 == statuses.count("enrolled")
    assert waiting == statuses.count("waiting")
    assert waiting + len(refused) == 40
    assert db.session.execute(select(func.count(Invoice.id))).scalar_one() == 10
    assert services.available_places(db.session.get(type(event), event_id)) == 0
    assert len(outbox.messages) == 10 + waiting  # one confirmation per enrolment or waiting-list place

"""An event never takes more participants than its places, also when fifty people enrol at once."""

import threading

from sqlalchemy import func, select

from tests.factories import login
from webapp.courses import services
from webapp.courses.models import Enrollment, Event, Invoice
from webapp.extensions import db


def test_fifty_concurrent_enrolments_for_ten_places(app, factory, outbox, make_event):
    event = make_event(places=10)
    clients = []
    for i in range(50):
        user = factory.user(f"deelnemer{i}@voorbeeld.example", first_name="Deelnemer", last_name=str(i))
        login(client := app.test_client(), user.email)
        clients.append(client)
    # Half of them accept the waiting list, the other half want a place or nothing.
    responses, start = {}, threading.Barrier(len(clients))

    def attempt(index, client):
        start.wait()
        data = {"waiting_list": "y"} if index % 2 == 0 else {}
        responses[index] = client.post(f"/cursussen/evenement/{event_id}/inschrijven", data=data)

    event_id = event.id
    threads = [threading.Thread(target=attempt, args=(i, client)) for i, client in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(responses) == 50
    statuses = sorted(r.status_code for r in responses.values())
    assert set(statuses) <= {303, 400}, statuses  # enrolled or waiting, or refused: never a crash
    refused = [r for r in responses.values() if r.status_code == 400]
    assert all("vol" in r.get_data(as_text=True) for r in refused)
    db.session.expire_all()
    enrolled = db.session.execute(
        select(func.count()).where(Enrollment.event_id == event_id, Enrollment.status == "enrolled")
    ).scalar_one()
    waiting = db.session.execute(
        select(func.count()).where(Enrollment.event_id == event_id, Enrollment.status == "waiting")
    ).scalar_one()
    assert enrolled == 10
    assert waiting == statuses.count(303) - 10
    assert waiting + len(refused) == 40
    assert db.session.execute(select(func.count(Invoice.id))).scalar_one() == 10
    assert services.available_places(db.session.get(Event, event_id)) == 0
    assert len(outbox.messages) == 10 + waiting  # one confirmation per enrolment or waiting-list place

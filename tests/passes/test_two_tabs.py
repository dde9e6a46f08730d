"""One selection submitted from two tabs at once (two options pages, two keys) makes one request.

The first submit is held just before it stores its request, until the second is either waiting for the
selection's lock or done; then the first may finish. Without the lock the second would read the same
selection in the meantime and store a second request with the same holders."""

import threading

from sqlalchemy import event

from tests.factories import login
from webapp.extensions import db
from webapp.passes import services
from webapp.passes.models import PassRequest

WAIT = 30  # seconds: only reached when something hangs


def test_two_tabs_submitting_one_selection_make_one_request(app, client, world):
    services.add_to_selection(
        world.acting(), [world.holder_organisation(world.knightley).id, world.holder_organisation(world.tester).id]
    )
    db.session.commit()
    holder_ids = {world.knightley.id, world.tester.id}
    login(client, "deby@herenbos.example", organisation=world.roc.id)
    second_tab = app.test_client()  # the same login: the same session cookie
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    second_tab.set_cookie(cookie_name, client.get_cookie(cookie_name).value)
    db.session.remove()

    first_storing, first_may_go, second_waits_or_done = threading.Event(), threading.Event(), threading.Event()

    def watch(conn, cursor, statement, parameters, context, executemany):
        tab = threading.current_thread().name
        if tab == "tab-1" and statement.lstrip().upper().startswith("INSERT INTO PASSES_REQUESTS"):
            first_storing.set()
            first_may_go.wait(WAIT)
        elif tab == "tab-2" and ("FOR UPDATE" in statement.upper() or statement.strip().upper() == "BEGIN IMMEDIATE"):
            second_waits_or_done.set()  # about to wait for the lock the first submit holds

    responses = {}

    def submit(tab, key):
        try:
            responses[tab] = (client if tab == "tab-1" else second_tab).post("/pasjes/verzoek", data={"sleutel": key})
        finally:
            if tab == "tab-2":
                second_waits_or_done.set()

    event.listen(db.engine, "before_cursor_execute", watch)
    try:
        first = threading.Thread(target=submit, args=("tab-1", "key-of-tab-1"), name="tab-1")
        second = threading.Thread(target=submit, args=("tab-2", "key-of-tab-2"), name="tab-2")
        first.start()
        assert first_storing.wait(WAIT)
        second.start()
        assert second_waits_or_done.wait(WAIT)
        first_may_go.set()
        first.join(WAIT)
        second.join(WAIT)
    finally:
        first_may_go.set()
        event.remove(db.engine, "before_cursor_execute", watch)

    assert responses["tab-1"].status_code == 303
    assert responses["tab-2"].status_code == 400
    page = responses["tab-2"].get_data(as_text=True)
    assert "al ingediend" in page and "Ingestuurde verzoeken" in page
    assert "<strong>0</strong> kwalificatiehouder(s)" in page  # the page shows the selection as it is now
    [request] = db.session.query(PassRequest).all()
    assert {item.holder_id for item in request.items} == holder_ids

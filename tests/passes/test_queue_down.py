"""A submit while the job queue (Redis) is unreachable stores nothing at all: no request, no audit row for
it, no folder in storage; the selection stays for a later try. A request that is rolled back takes its
audit row with it (core.audit writes into the request's own transaction)."""

from pathlib import Path

from tests.components import free_port
from webapp.core.models import AuditEvent
from webapp.extensions import db
from webapp.passes import services
from webapp.passes.models import PassRequest


def passes_audit_rows() -> list[str]:
    return [row.action for row in db.session.query(AuditEvent) if row.action.startswith("passes.")]


def stored_files(app) -> list[Path]:
    return list(Path(app.config["STORAGE_DIR"]).rglob("*"))


def test_a_submit_with_redis_unreachable_leaves_nothing_behind(app, contact_client, world):
    services.add_to_selection(world.acting(), [world.holder_organisation(world.knightley).id])
    db.session.commit()
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"  # a closed port
    response = contact_client.post("/pasjes/verzoek", data={"sleutel": "key-1", "kenmerk": "testgroep"})
    assert response.status_code == 400
    assert "tijdelijk niet bereikbaar" in response.get_data(as_text=True)
    assert db.session.query(PassRequest).count() == 0
    assert passes_audit_rows() == []
    assert stored_files(app) == []
    assert services.selection_summary(world.acting()).count == 1


def test_a_rolled_back_submit_takes_its_audit_row_and_build_with_it(app, world):
    services.add_to_selection(world.acting(), [world.holder_organisation(world.knightley).id])
    db.session.commit()
    services.submit_request(world.acting(), "key-1")
    db.session.flush()
    assert passes_audit_rows() == ["passes.request"]  # written in the submit's own transaction...
    db.session.rollback()
    assert passes_audit_rows() == []  # ...so it goes with it
    assert db.session.query(PassRequest).count() == 0
    db.session.commit()
    assert stored_files(app) == []  # and the build, started only after a commit, never ran

"""One transaction per request: the view's return commits, its exception rolls back; work handed to
after_commit runs once, after the real commit, never for a rollback (nor early, at a savepoint)."""

from sqlalchemy import func, insert, select

from webapp.accounts.models import Organisation
from webapp.core.transactions import after_commit
from webapp.extensions import db


def _organisations(*names) -> int:
    db.session.expire_all()
    return db.session.execute(
        select(func.count()).select_from(Organisation).where(Organisation.name.in_(names))
    ).scalar_one()


def test_a_view_that_returns_commits_and_one_that_raises_stores_nothing(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.post("/__keeps")
    def keeps():
        db.session.execute(insert(Organisation).values(name="Blijft BV"))
        return "form shown again with its errors", 400

    @app.post("/__fails")
    def fails():
        db.session.execute(insert(Organisation).values(name="Half BV"))
        raise RuntimeError("after writing")

    assert client.post("/__keeps").status_code == 400
    assert client.post("/__fails").status_code == 500
    assert _organisations("Blijft BV") == 1 and _organisations("Half BV") == 0


def test_after_commit_work_waits_for_the_real_commit_and_goes_with_a_rollback(app):
    done = []
    after_commit(done.append, "first")
    with db.session.begin_nested():
        db.session.execute(insert(Organisation).values(name="Savepoint BV"))
    assert done == []  # releasing a savepoint is not the commit
    try:
        with db.session.begin_nested():
            after_commit(done.append, "inside a savepoint")
            raise ValueError("undo the savepoint")
    except ValueError:
        pass
    db.session.commit()
    assert done == ["first", "inside a savepoint"]

    after_commit(done.append, "rolled back")
    db.session.rollback()
    db.session.commit()
    assert done == ["first", "inside a savepoint"]

"""One-time codes: typed by a person, they work once, expire, lock after wrong tries, and are never stored."""

import re
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from webapp.core import onetimecodes
from webapp.core.models import OneTimeCode
from webapp.core.onetimecodes import (
    ALPHABET,
    MAX_ATTEMPTS,
    MAX_FAILURES_PER_ADDRESS,
    STATES,
    CodeExpired,
    CodeIncorrect,
    CodeLocked,
    CodeRefused,
    CodeRevoked,
    CodeUsed,
    TooManyAttempts,
)
from webapp.core.timeutil import utcnow
from webapp.extensions import db

PURPOSE = "dossier-activation"
WEEK = timedelta(days=7)
HOME = "192.0.2.10"


def issue(subject="student:1", ttl=WEEK) -> str:
    code = onetimecodes.issue(PURPOSE, subject, ttl)
    db.session.commit()
    return code


def redeem(code, *, address=HOME, subject=None) -> str:
    """As a view does: the refusal is shown, and the request commits what the try recorded."""
    try:
        return onetimecodes.redeem(PURPOSE, code, address=address, subject=subject)
    finally:
        db.session.commit()


def state_of(subject="student:1") -> str:
    db.session.expire_all()
    return db.session.scalars(
        select(OneTimeCode.state).where(OneTimeCode.subject == subject).order_by(OneTimeCode.id.desc())
    ).first()


def wrong_code(right: str) -> str:
    return "2222-2222" if right != "2222-2222" else "3333-3333"


def test_a_code_works_once(app):
    code = issue()
    assert redeem(code) == "student:1"
    assert state_of() == "used"
    with pytest.raises(CodeUsed, match="Deze code is al gebruikt."):
        redeem(code)


def test_codes_look_like_xxxx_xxxx_from_the_unambiguous_alphabet(app):
    codes = [issue(subject=f"student:{n}") for n in range(40)]
    assert all(re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code) for code in codes)
    used = set("".join(codes).replace("-", ""))
    assert used <= set(ALPHABET)
    assert not used & set("01OIL")
    assert len(set(codes)) == len(codes)


@pytest.mark.parametrize(
    "typing",
    [str.lower, lambda c: c.replace("-", ""), lambda c: c.replace("-", " "), lambda c: f"  {c[:2]} {c[2:]} ".lower()],
)
def test_a_code_may_be_typed_in_any_case_with_or_without_dash_or_spaces(app, typing):
    code = issue()
    assert redeem(typing(code)) == "student:1"


def test_an_expired_code_is_refused(app):
    code = issue()
    db.session.execute(update(OneTimeCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    with pytest.raises(CodeExpired, match="De code is verlopen."):
        redeem(code)
    assert state_of() == "expired"


def test_a_new_code_for_the_same_subject_revokes_the_older(app):
    old = issue()
    new = issue()
    with pytest.raises(CodeRevoked):
        redeem(old)
    assert redeem(new) == "student:1"


def test_a_wrong_code_is_refused_in_dutch(app):
    issue()
    with pytest.raises(CodeIncorrect) as refused:
        redeem("ABCD-EFGH")
    assert refused.value.message == "De code klopt niet."
    with pytest.raises(CodeIncorrect):
        redeem("not a code at all")


def test_wrong_tries_lock_the_code_and_then_the_right_code_is_refused_too(app):
    code = issue()
    for _ in range(MAX_ATTEMPTS - 1):
        with pytest.raises(CodeIncorrect):
            redeem(wrong_code(code), subject="student:1")
    assert state_of() == "issued"
    with pytest.raises(CodeLocked, match="Te veel pogingen"):
        redeem(wrong_code(code), subject="student:1")
    assert state_of() == "locked"
    with pytest.raises(CodeLocked):
        redeem(code)
    with pytest.raises(CodeLocked):
        redeem(code, subject="student:1")


def test_wrong_tries_at_one_subject_leave_another_subjects_code_alone(app):
    mine, theirs = issue("student:1"), issue("student:2")
    for _ in range(MAX_ATTEMPTS):
        with pytest.raises(CodeRefused):
            redeem(wrong_code(mine), subject="student:1", address=f"198.51.100.{_}")
    assert redeem(theirs, subject="student:2") == "student:2"


def test_too_many_failures_from_one_address_are_refused_even_with_the_right_code(app):
    code = issue()
    for _ in range(MAX_FAILURES_PER_ADDRESS):
        with pytest.raises(CodeIncorrect):
            redeem(wrong_code(code))
    with pytest.raises(TooManyAttempts, match="Te veel pogingen"):
        redeem(code)
    assert state_of() == "issued"
    assert redeem(code, address="198.51.100.7") == "student:1"  # another address may still


def test_failures_older_than_the_window_no_longer_count(app):
    code = issue()
    for _ in range(MAX_FAILURES_PER_ADDRESS):
        with pytest.raises(CodeIncorrect):
            redeem(wrong_code(code))
    db.session.execute(
        text("UPDATE one_time_code_failures SET at = :long_ago"),
        {"long_ago": utcnow() - onetimecodes.FAILURE_WINDOW - timedelta(minutes=1)},
    )
    db.session.commit()
    assert redeem(code) == "student:1"


def test_the_stored_row_holds_neither_the_code_nor_the_address(app):
    code = issue()
    with pytest.raises(CodeIncorrect):
        redeem(wrong_code(code))
    rows = [
        " ".join(str(value) for value in row)
        for table in ("one_time_codes", "one_time_code_failures")
        for row in db.session.execute(text(f"SELECT * FROM {table}"))
    ]
    stored = " ".join(rows).upper()
    assert code not in stored and code.replace("-", "") not in stored
    assert HOME not in stored


def test_a_failed_try_in_a_request_is_kept_though_the_page_shows_an_error(app, client):
    code = issue()

    def activate():
        from flask import request

        try:
            onetimecodes.redeem(PURPOSE, request.form["code"], address=request.remote_addr, subject="student:1")
        except CodeRefused as refusal:
            return refusal.message, 400
        return "ok"

    app.add_url_rule("/test-activate", "test_activate", activate, methods=["POST"])
    for _ in range(MAX_ATTEMPTS):
        assert client.post("/test-activate", data={"code": wrong_code(code)}).status_code == 400
    response = client.post("/test-activate", data={"code": code})
    assert response.status_code == 400 and "Te veel pogingen" in response.get_data(as_text=True)


def test_the_state_table_allows_only_moves_out_of_issued(app):
    assert set(STATES["issued"].next) == {"used", "expired", "locked", "revoked"}
    assert all(not state.next for name, state in STATES.items() if name != "issued")
    code = issue()
    redeem(code)
    onetimecodes.sweep()  # a used code is past its expiry in time, but stays used
    db.session.execute(update(OneTimeCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    onetimecodes.sweep()
    db.session.commit()
    assert state_of() == "used"


def test_the_sweep_marks_expired_codes(app):
    issue("student:1", ttl=timedelta(minutes=5))
    issue("student:2", ttl=WEEK)
    db.session.execute(
        update(OneTimeCode).where(OneTimeCode.subject == "student:1").values(expires_at=utcnow() - timedelta(seconds=1))
    )
    onetimecodes.sweep()
    db.session.commit()
    assert (state_of("student:1"), state_of("student:2")) == ("expired", "issued")


@pytest.mark.parametrize("backend", ["postgresql"])  # row locks; SQLite's requests take turns on its write lock
def test_two_requests_using_one_code_at_once_use_it_once(app, backend):
    """The second waits on the first's row lock, then finds the code used."""
    code = issue()
    assert onetimecodes.redeem(PURPOSE, code, address=HOME) == "student:1"  # not committed yet
    outcome = []

    def second_request():
        with app.app_context():
            try:
                outcome.append(onetimecodes.redeem(PURPOSE, code, address="198.51.100.7"))
            except CodeRefused as refusal:
                outcome.append(refusal)
            finally:
                db.session.commit()

    second = threading.Thread(target=second_request)
    second.start()
    wait_until_one_waits_for_a_lock()
    db.session.commit()
    second.join(timeout=30)
    assert len(outcome) == 1 and isinstance(outcome[0], CodeUsed)


def wait_until_one_waits_for_a_lock(timeout: float = 30):
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + timeout
    with db.engine.connect() as connection:
        while connection.execute(waiting).scalar() == 0:
            assert time.monotonic() < deadline, "the second request never waited for the first"
            time.sleep(0.02)

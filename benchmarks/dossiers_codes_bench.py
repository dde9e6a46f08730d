"""Activation-code benchmark (manual 004, 1.2): a school of 1,000 students (40 classes of 25, all with e-mail).

1. Bulk letters for all 1,000: the time from the committed request to a downloadable PDF (1,000 pages), with 1 and
   with 2 real `flask worker` processes on Redis (PostgreSQL scratch database, a queue of its own), and each
   worker's peak RSS (its work horses included).
2. Bulk mail for all 1,000 to a loopback SMTP server (aiosmtpd) with 2 workers: the time from the committed
   request until the server has received every mail.

Run: .venv/bin/python -m benchmarks.dossiers_codes_bench   (from the repo root; prints figures, asserts nothing)
"""

import os
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from datetime import date

from benchmarks import harness
from benchmarks.passes_archive_bench import PeakRss, _cpu_seconds, _wait_for_workers

STUDENTS = 1000
CLASS_SIZE = 25
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
COUNSELLOR = "decaan@bench-school.example"


def bsn(number: int) -> str:
    """A 9-digit number that passes the 11-proef (not a real person's)."""
    digits = f"{100000 + number:06d}"
    for tail in range(1000):
        candidate = f"{digits}{tail:03d}"
        if sum(int(d) * w for d, w in zip(candidate, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True)) % 11 == 0:
            return candidate
    raise ValueError(number)


def make_school(app) -> int:
    """The school, its counsellor and its students; returns the counsellor's user id."""
    from webapp.accounts.models import Membership, Organisation, User
    from webapp.core.timeutil import utcnow
    from webapp.dossiers.models import SchoolClass, Student
    from webapp.extensions import db

    with app.app_context():
        school = Organisation(name="Benchcollege", kind="school", city="Utrecht")
        user = User(email=COUNSELLOR, first_name="Henk", last_name="Jansen", activated_at=utcnow())
        db.session.add_all([school, user])
        db.session.flush()
        db.session.add(Membership(user=user, organisation=school, role="counsellor"))
        classes = []
        for number in range(STUDENTS // CLASS_SIZE):
            klass = SchoolClass(school_id=school.id, school_year="2026-2027", name=f"4-{number:02d}", year=4)
            db.session.add(klass)
            classes.append(klass)
        db.session.flush()
        for number in range(STUDENTS):
            student = Student(
                school_id=school.id,
                class_id=classes[number // CLASS_SIZE].id,
                birth_date=date(2009, 1, 1),
                email=f"leerling{number:04d}@bench.example",
                year=4,
            )
            student.set_name("Leerling", "", f"Nummer {number:04d}")
            student.bsn = bsn(number)
            db.session.add(student)
        db.session.commit()
        user_id = user.id
        db.session.remove()
        return user_id


def staff(user_id):
    from webapp.accounts.models import User
    from webapp.dossiers.actors import SchoolStaff
    from webapp.extensions import db

    user = db.session.get(User, user_id)
    membership = user.memberships[0]
    return SchoolStaff(user, membership, membership.organisation)


def start_workers(env, count: int) -> list[subprocess.Popen]:
    return [
        subprocess.Popen(
            [str(harness.VENV_BIN / "flask"), "--app", "wsgi", "worker"],
            env=env,
            cwd=harness.ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stop_workers ends its work horse and scheduler too
        )
        for _ in range(count)
    ]


def stop_workers(workers, grace: float = 30) -> None:
    """SIGTERM (RQ's warm shutdown), then SIGKILL what is left of each worker's own process group."""
    for worker in workers:
        worker.terminate()
    deadline = time.monotonic() + grace
    for worker in workers:
        try:
            worker.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(worker.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        worker.wait()


def bulk_letters(app, env, user_id, count: int) -> None:
    from pypdf import PdfReader

    from webapp.dossiers import bulk
    from webapp.dossiers.models import BulkHandout
    from webapp.extensions import db

    workers = start_workers(env, count)
    try:
        _wait_for_workers(app, count)  # starting a worker is not part of a hand-out's time
        monitor = PeakRss([w.pid for w in workers])
        monitor.start()
        with app.app_context():
            cpu = _cpu_seconds([w.pid for w in workers])
            t0 = time.perf_counter()
            record = bulk.start(staff(user_id), "letter", "all")
            db.session.commit()  # the job starts after the commit
            all_parts = None
            while True:
                db.session.expire_all()
                seen = db.session.get(BulkHandout, record.id)
                state = seen.state
                if all_parts is None and seen.done >= seen.total:
                    all_parts = time.perf_counter() - t0
                if state in ("done", "failed"):
                    break
                time.sleep(0.05)
            wall = time.perf_counter() - t0
            time.sleep(0.2)  # the last horse records its end just after the state changes
            cpu = _cpu_seconds([w.pid for w in workers]) - cpu
            done = db.session.get(BulkHandout, record.id)
            pages = len(PdfReader(bulk.letters_file(staff(user_id), record.id).path).pages) if state == "done" else 0
            size = bulk.LETTERS.path(done.file_name).stat().st_size if state == "done" else 0
            db.session.remove()
        monitor.stop.set()
        monitor.join()
        peaks = ", ".join(f"{kb / 1024:.0f} MB" for kb in monitor.peak.values())
        print(
            f"bulk letters, {count} worker(s): {STUDENTS} students, state {state}, {pages} pages "
            f"({size / 1e6:.1f} MB), to a downloadable PDF in {wall:.1f} s ({1000 * wall / STUDENTS:.1f} ms/letter; "
            f"every part rendered after {all_parts or wall:.1f} s, then joined); worker CPU {cpu:.1f} s; "
            f"peak RSS per worker (incl. its work horses): {peaks}"
        )
    finally:
        stop_workers(workers)


class Counting:
    """An aiosmtpd handler that counts what arrives."""

    def __init__(self):
        self.count, self.done = 0, threading.Event()
        self.expected = STUDENTS

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        if self.count >= self.expected:
            self.done.set()
        return "250 OK"


def bulk_mail(app, env, user_id, count: int) -> None:
    from aiosmtpd.controller import Controller

    from webapp.dossiers import bulk
    from webapp.dossiers.models import BulkHandout
    from webapp.extensions import db

    handler = Counting()
    controller = Controller(handler, hostname="127.0.0.1", port=harness.free_port())
    controller.start()
    workers = start_workers(dict(env, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(controller.port)), count)
    try:
        _wait_for_workers(app, count)
        with app.app_context():
            t0 = time.perf_counter()
            record = bulk.start(staff(user_id), "mail", "all")
            db.session.commit()
            queued_at = None
            while not handler.done.wait(0.05):
                if queued_at is None:
                    db.session.expire_all()
                    if db.session.get(BulkHandout, record.id).state == "done":
                        queued_at = time.perf_counter() - t0
                if time.perf_counter() - t0 > 900:
                    break
            wall = time.perf_counter() - t0
            db.session.remove()
        print(
            f"bulk mail, {count} worker(s): {handler.count} of {STUDENTS} mails received by the SMTP server in "
            f"{wall:.1f} s ({1000 * wall / STUDENTS:.1f} ms/mail); codes issued and mails queued after "
            f"{queued_at if queued_at is None else f'{queued_at:.1f} s'}"
        )
    finally:
        stop_workers(workers)
        controller.stop()


def main():
    from webapp import create_app

    print(f"load before: {os.getloadavg()}")
    storage = tempfile.mkdtemp(prefix="dossiers-codes-bench-")
    queue = f"loket-bench-codes-{uuid.uuid4().hex[:8]}"
    with harness.scratch_postgres(f"dossiers_codes_bench_{os.getpid()}") as url:
        env = harness.bench_env(
            url, REDIS_URL=REDIS_URL, RQ_QUEUE=queue, STORAGE_DIR=storage, PUBLIC_URL="http://localhost"
        )
        harness.flask(env, "db", "upgrade", "heads")
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "REDIS_URL": REDIS_URL,
                "RQ_QUEUE": queue,
                "STORAGE_DIR": storage,
                "PUBLIC_URL": "http://localhost",
                "SECRET_KEY": env["SECRET_KEY"],
                "DATA_KEY": env["DATA_KEY"],
                "PERIODIC_TIMER": False,
            }
        )
        user_id = make_school(app)
        for count in (1, 2):
            bulk_letters(app, env, user_id, count)
        bulk_mail(app, env, user_id, 2)
        with app.app_context():
            from webapp.core.jobs import queue as rq_queue
            from webapp.extensions import db

            rq_queue().empty()
            db.engine.dispose()
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()

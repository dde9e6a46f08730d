"""Archive benchmark: 250 passes in one process (xhtml2pdf per pass, xhtml2pdf batched as the jobs do,
and two ReportLab-canvas floors: the issue's, with a segno PNG QR code, and one with the passes' own
vector QR code), then ONE 250-pass request end-to-end with 1 and with 2 real `flask worker` processes
on Redis (PostgreSQL scratch database, a unique queue), with the CPU time the workers spent on it
(steadier than wall time on a shared machine), each worker's peak RSS and the RQ job timeline.

Run: .venv/bin/python -m benchmarks.passes_archive_bench [ROUNDS]   (from the repo root; prints figures, asserts
nothing; ROUNDS repeats the end-to-end runs, default 1)
Goal: 250 passes <= 2.5 s wall with 2 workers, <= 2.5x the floor, worker peak memory < 300 MB.
"""

import io
import os
import subprocess
import tempfile
import threading
import time
import uuid
from datetime import date
from types import SimpleNamespace

from benchmarks import harness

N = 250
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def _floor(qualifications, holder, qr) -> float:
    """The same passes drawn directly on a ReportLab canvas, one document each; qr(canvas, url) draws the code."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    t0 = time.perf_counter()
    for qualification in qualifications:
        out = io.BytesIO()
        c = canvas.Canvas(out, pagesize=(105 * mm, 74 * mm))
        c.drawString(10, 180, holder.number)
        c.drawString(10, 165, holder.display_name)
        c.drawString(10, 150, qualification.name)
        c.drawString(10, 135, f"Vervaldatum {qualification.expires_on:%d-%m-%Y}")
        qr(c, f"http://localhost/pasjes/verificatie/{qualification.verify_token}")
        c.showPage()
        c.save()
    return time.perf_counter() - t0


def _png_qr(c, url):
    """The issue's floor: a segno PNG (fixed mask) through ReportLab's drawImage."""
    import segno
    from reportlab.lib.utils import ImageReader

    png = io.BytesIO()
    segno.make(url, error="m", micro=False, mask=0).save(png, kind="png", scale=3, border=2)
    png.seek(0)
    c.drawImage(ImageReader(png), 200, 100, 80, 80)


def _vector_qr(c, url):
    """The passes' own way: the QR code as path operators."""
    from webapp.passes.render import qr_operators

    c.addLiteral(qr_operators(url).decode())


def single_process(app, repeats: int = 3) -> float:
    """Returns the floor (s for N passes). Best of `repeats` for each figure (the machine is shared)."""
    with app.app_context():
        t0 = time.perf_counter()
        from webapp.passes.render import PassRenderer

        print(f"imports: {time.perf_counter() - t0:.2f} s")
        renderer = PassRenderer()
        holder = SimpleNamespace(number="73029884", display_name="Mevr. K.C. Knightley")
        qualifications = [
            SimpleNamespace(
                name="Eerste Hulp",
                kind_label="Diploma",
                modules=[],
                exam_date=date(2018, 8, 31),
                exam_number="EX45465",
                expires_on=date(2030, 1, 1),
                verify_token=f"tok{i:019d}",
            )
            for i in range(N)
        ]
        t0 = time.perf_counter()
        renderer.render(holder, qualifications[0], "1122334455")
        print(f"first pass (xhtml2pdf): {1000 * (time.perf_counter() - t0):.0f} ms")

        def single():
            t0 = time.perf_counter()
            for qualification in qualifications:
                renderer.render(holder, qualification, "1122334455")
            return time.perf_counter() - t0

        def batched():
            t0 = time.perf_counter()
            for start in range(0, N, 25):  # as build_chunk does: one pisa call per chunk, pages split with pypdf
                renderer.render_many([(holder, q, "1122334455") for q in qualifications[start : start + 25]])
            return time.perf_counter() - t0

        single = min(single() for _ in range(repeats))
        batched = min(batched() for _ in range(repeats))
        floor = min(_floor(qualifications, holder, _png_qr) for _ in range(repeats))
        vector_floor = min(_floor(qualifications, holder, _vector_qr) for _ in range(repeats))
        print(f"xhtml2pdf, one call per pass: {N} passes in {single:.2f} s ({1000 * single / N:.1f} ms/pass)")
        print(
            f"xhtml2pdf, batched 25 per call + pypdf split: {N} passes in {batched:.2f} s "
            f"({1000 * batched / N:.1f} ms/pass)"
        )
        print(
            f"ReportLab floor (segno PNG QR code, as in the issue): {N} passes in {floor:.2f} s "
            f"({1000 * floor / N:.1f} ms/pass)"
        )
        print(
            f"ReportLab floor with the passes' vector QR code: {N} passes in {vector_floor:.2f} s "
            f"({1000 * vector_floor / N:.1f} ms/pass)"
        )
        print(
            f"ratio per pass / floor {single / floor:.2f}x; batched / floor {batched / floor:.2f}x; "
            f"batched / vector floor {batched / vector_floor:.2f}x"
        )
        return floor, vector_floor


class PeakRss(threading.Thread):
    """Polls /proc for a worker and its work horses; keeps the highest VmHWM (kB) seen per worker."""

    def __init__(self, pids):
        super().__init__(daemon=True)
        self.pids, self.peak, self.stop = pids, {pid: 0 for pid in pids}, threading.Event()

    @staticmethod
    def _tree(pid):
        found, todo = [], [pid]
        while todo:
            current = todo.pop()
            found.append(current)
            try:
                with open(f"/proc/{current}/task/{current}/children") as file:
                    todo += [int(child) for child in file.read().split()]
            except OSError:
                pass
        return found

    def run(self):
        while not self.stop.is_set():
            for pid in self.pids:
                for member in self._tree(pid):
                    try:
                        with open(f"/proc/{member}/status") as file:
                            for line in file:
                                if line.startswith("VmHWM:"):
                                    self.peak[pid] = max(self.peak[pid], int(line.split()[1]))
                    except OSError:
                        pass
            time.sleep(0.02)


def _cpu_seconds(pids) -> float:
    """User + system time of these processes and their finished children (the work horses)."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as file:
            fields = file.read().rsplit(")", 1)[1].split()
        total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total / os.sysconf("SC_CLK_TCK")


def _wait_for_workers(app, count: int, timeout: float = 90) -> None:
    """Until `count` workers are registered on the queue (they register after importing and preloading)."""
    from rq import Worker

    from webapp.core.jobs import queue

    with app.app_context():
        deadline = time.monotonic() + timeout
        while Worker.count(queue=queue()) < count:
            if time.monotonic() > deadline:
                raise RuntimeError("the workers did not start")
            time.sleep(0.1)


def _timeline(app, known: set, submitted: float) -> str:
    """The request's RQ jobs from the finished registry: the build jobs, and when the ZIP job ran."""
    from datetime import UTC

    from rq.job import Job
    from rq.registry import FinishedJobRegistry

    from webapp.core.jobs import queue

    with app.app_context():
        q = queue()
        ids = [i for i in FinishedJobRegistry(queue=q).get_job_ids() if i not in known]
        jobs = [j for j in Job.fetch_many(ids, connection=q.connection, serializer=q.serializer) if j]
    stamp = lambda moment: moment.replace(tzinfo=UTC).timestamp() - submitted  # noqa: E731
    builds = sorted(
        (stamp(j.started_at), stamp(j.ended_at), j.return_value())
        for j in jobs
        if j.func_name.endswith(".build_chunks")
    )
    final = [(stamp(j.started_at), stamp(j.ended_at)) for j in jobs if j.func_name.endswith(".finish")]
    if not builds or not final:
        return "no timeline"
    spans = ", ".join(f"{start:.2f}-{end:.2f} s ({holders} holders)" for start, end, holders in builds)
    last = max(end for _, end, _ in builds)
    return (
        f"build jobs: {spans}; the ZIP job started {1000 * (final[0][0] - last):.0f} ms after the last "
        f"and took {1000 * (final[0][1] - final[0][0]):.0f} ms"
    )


def with_workers(env, app, user_id, exam_type_id, count: int) -> None:
    from rq.registry import FinishedJobRegistry

    from benchmarks.passes_list_bench import bench_context
    from webapp.core.jobs import queue
    from webapp.extensions import db
    from webapp.passes import services
    from webapp.passes.listing import Filters
    from webapp.passes.models import PassRequest

    workers = [
        subprocess.Popen(
            [str(harness.VENV_BIN / "flask"), "--app", "wsgi", "worker"],
            env=env,
            cwd=harness.ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    try:
        _wait_for_workers(app, count)  # importing the app and preloading xhtml2pdf is not part of a request's time
        monitor = PeakRss([w.pid for w in workers])
        monitor.start()
        with app.app_context():
            known = set(FinishedJobRegistry(queue=queue()).get_job_ids())
            context = bench_context(user_id)
            services.clear_selection(context)
            result = services.add_all_to_selection(context, Filters(exam_type=exam_type_id))
            cpu = _cpu_seconds([w.pid for w in workers])
            submitted, t0 = time.time(), time.perf_counter()
            request = services.submit_request(context, uuid.uuid4().hex, exam_type_ids=[exam_type_id])
            db.session.commit()  # the build starts after the commit
            while True:
                db.session.expire_all()
                status = db.session.get(PassRequest, request.id).status
                if status in ("available", "failed"):
                    break
                time.sleep(0.02)
            wall = time.perf_counter() - t0
            time.sleep(0.2)  # the ZIP job's horse records its end just after the status changes
            cpu = _cpu_seconds([w.pid for w in workers]) - cpu
            import zipfile

            with zipfile.ZipFile(services.download(context, request.id).path) as archive:
                files = len(archive.namelist())
            db.session.remove()
        monitor.stop.set()
        monitor.join()
        peaks = ", ".join(f"{kb / 1024:.0f} MB" for kb in monitor.peak.values())
        print(
            f"{count} worker(s): {result.added} holders, {files} passes, status {status}, end-to-end {wall:.2f} s "
            f"({1000 * wall / max(files, 1):.1f} ms/pass); worker CPU {cpu:.2f} s; "
            f"peak RSS per worker (incl. its work horses): {peaks}"
        )
        print(f"    {_timeline(app, known, submitted)}")
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(20)


def main(rounds: int = 1):
    from webapp import create_app

    floor, vector_floor = single_process(
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "PUBLIC_URL": "http://localhost"})
    )
    print(
        f"floor for {N} passes: {floor:.2f} s, 2.5x = {2.5 * floor:.2f} s; with the vector QR code: "
        f"{vector_floor:.2f} s, 2.5x = {2.5 * vector_floor:.2f} s"
    )
    storage = tempfile.mkdtemp(prefix="passes-archive-bench-")
    queue = f"loket-bench-passes-{uuid.uuid4().hex[:8]}"
    with harness.scratch_postgres(f"passes_archive_bench_{os.getpid()}") as url:
        env = harness.bench_env(
            url, REDIS_URL=REDIS_URL, RQ_QUEUE=queue, STORAGE_DIR=storage, PUBLIC_URL="http://localhost"
        )
        harness.flask(env, "db", "upgrade", "heads")
        harness.flask(env, "passes", "generate", "--holders", "3000", "--organisations", "5", "--contact-of", "5")
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "REDIS_URL": REDIS_URL,
                "RQ_QUEUE": queue,
                "STORAGE_DIR": storage,
                "PUBLIC_URL": "http://localhost",
            }
        )
        with app.app_context():
            from sqlalchemy import select

            from webapp.accounts.models import User
            from webapp.extensions import db
            from webapp.passes.models import ExamType

            user_id = db.session.execute(select(User.id).where(User.email == "bench@pasjes.example")).scalar_one()
            exam_type_id = db.session.execute(select(ExamType.id).where(ExamType.name == "Eerste Hulp")).scalar_one()
            db.session.remove()
        for _ in range(rounds):
            for count in (1, 2):
                with_workers(env, app, user_id, exam_type_id, count)
        with app.app_context():
            from webapp.core.jobs import queue as rq_queue

            rq_queue().empty()
            db.engine.dispose()


if __name__ == "__main__":
    import sys

    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)

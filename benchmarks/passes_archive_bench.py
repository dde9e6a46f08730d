"""Archive benchmark: 250 passes in one process (xhtml2pdf per pass, xhtml2pdf batched as the jobs do,
ReportLab-canvas floor), then ONE 250-pass request end-to-end with 1 and with 2 real `flask worker`
processes on Redis (PostgreSQL scratch database, a unique queue), with each worker's peak RSS.

Run: .venv/bin/python -m benchmarks.passes_archive_bench   (from the repo root; prints figures, asserts nothing)
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


def single_process(app) -> float:
    """Returns the floor (s for N passes)."""
    with app.app_context():
        t0 = time.perf_counter()
        from reportlab.lib.units import mm
        from reportlab.lib.utils import ImageReader
        from reportlab.pdfgen import canvas

        from webapp.passes.jobs import PassRenderer, qr_data_uri
        print(f"imports: {time.perf_counter() - t0:.2f} s")
        renderer = PassRenderer()
        holder = SimpleNamespace(number="73029884", display_name="Mevr. K.C. Knightley")
        qualifications = [SimpleNamespace(name="Eerste Hulp", kind_label="Diploma", modules=[], exam_date=date(2018, 8, 31),
                                          exam_number="EX45465", expires_on=date(2030, 1, 1), verify_token=f"tok{i:019d}")
                          for i in range(N)]
        t0 = time.perf_counter()
        renderer.render(holder, qualifications[0], "1122334455")
        print(f"first pass (xhtml2pdf): {1000 * (time.perf_counter() - t0):.0f} ms")
        t0 = time.perf_counter()
        for qualification in qualifications:
            renderer.render(holder, qualification, "1122334455")
        single = time.perf_counter() - t0
        t0 = time.perf_counter()
        for start in range(0, N, 25):  # as build_chunk does: one pisa call per chunk, pages split with pypdf
            renderer.render_many([(holder, q, "1122334455") for q in qualifications[start:start + 25]])
        batched = time.perf_counter() - t0
        t0 = time.perf_counter()
        for qualification in qualifications:
            out = io.BytesIO()
            c = canvas.Canvas(out, pagesize=(105 * mm, 74 * mm))
            c.drawString(10, 180, holder.number)
            c.drawString(10, 165, holder.display_name)
            c.drawString(10, 150, qualification.name)
            c.drawString(10, 135, f"Vervaldatum {qualification.expires_on:%d-%m-%Y}")
            uri = qr_data_uri(f"http://localhost/pasjes/verificatie/{qualification.verify_token}")  # the same QR work
            import base64

            c.drawImage(ImageReader(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))), 200, 100, 80, 80)
            c.showPage()
            c.save()
        floor = time.perf_counter() - t0
        print(f"xhtml2pdf, one call per pass: {N} passes in {single:.2f} s ({1000 * single / N:.1f} ms/pass)")
        print(f"xhtml2pdf, batched 25 per call + pypdf split: {N} passes in {batched:.2f} s "
              f"({1000 * batched / N:.1f} ms/pass)")
        print(f"ReportLab floor (same QR code): {N} passes in {floor:.2f} s ({1000 * floor / N:.1f} ms/pass)")
        print(f"ratio per pass / floor {single / floor:.2f}x; batched / floor {batched / floor:.2f}x")
        return floor


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


def with_workers(env, app, user_id, exam_type_id, organisation_id, count: int) -> None:
    from webapp.extensions import db
    from webapp.passes import services
    from webapp.passes.models import PassRequest

    workers = [subprocess.Popen([str(harness.VENV_BIN / "flask"), "--app", "wsgi", "worker"], env=env, cwd=harness.ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(count)]
    try:
        time.sleep(4)  # let them import the app and preload xhtml2pdf (not part of a request's time)
        monitor = PeakRss([w.pid for w in workers])
        monitor.start()
        with app.app_context():
            services.clear_selection(user_id)
            result = services.add_all_to_selection(user_id, services.Filters(exam_type=exam_type_id))
            t0 = time.perf_counter()
            request = services.submit_request(user_id, organisation_id, uuid.uuid4().hex, exam_type_ids=[exam_type_id])
            while True:
                db.session.expire_all()
                status = db.session.get(PassRequest, request.id).status
                if status in ("available", "failed"):
                    break
                time.sleep(0.02)
            wall = time.perf_counter() - t0
            import zipfile

            with zipfile.ZipFile(services.archive_path(request)) as archive:
                files = len(archive.namelist())
            db.session.remove()
        monitor.stop.set()
        monitor.join()
        peaks = ", ".join(f"{kb / 1024:.0f} MB" for kb in monitor.peak.values())
        print(f"{count} worker(s): {result.added} holders, {files} passes, status {status}, end-to-end {wall:.2f} s "
              f"({1000 * wall / max(files, 1):.1f} ms/pass); peak RSS per worker (incl. its work horses): {peaks}")
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(20)


def main():
    from webapp import create_app

    floor = single_process(create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "PUBLIC_URL": "http://localhost"}))
    print(f"floor for {N} passes: {floor:.2f} s; 2.5x floor = {2.5 * floor:.2f} s")
    storage = tempfile.mkdtemp(prefix="passes-archive-bench-")
    queue = f"loket-bench-passes-{uuid.uuid4().hex[:8]}"
    with harness.scratch_postgres(f"passes_archive_bench_{os.getpid()}") as url:
        env = harness.bench_env(url, REDIS_URL=REDIS_URL, RQ_QUEUE=queue, STORAGE_DIR=storage, PUBLIC_URL="http://localhost")
        harness.flask(env, "db", "upgrade", "heads")
        harness.flask(env, "passes-generate", "--holders", "3000", "--organisations", "5", "--contact-of", "5")
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": REDIS_URL, "RQ_QUEUE": queue,
                          "STORAGE_DIR": storage, "PUBLIC_URL": "http://localhost"})
        with app.app_context():
            from sqlalchemy import select

            from webapp.accounts.models import User
            from webapp.extensions import db
            from webapp.passes import services
            from webapp.passes.models import ExamType

            user_id = db.session.execute(select(User.id).where(User.email == "bench@pasjes.example")).scalar_one()
            exam_type_id = db.session.execute(select(ExamType.id).where(ExamType.name == "Eerste Hulp")).scalar_one()
            organisation_id = services.scope_ids(user_id)[0]
            db.session.remove()
        for count in (1, 2):
            with_workers(env, app, user_id, exam_type_id, organisation_id, count)
        with app.app_context():
            from webapp.core.jobs import queue as rq_queue

            rq_queue().empty()
            db.engine.dispose()


if __name__ == "__main__":
    main()

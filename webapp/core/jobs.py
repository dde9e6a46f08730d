"""The one door to background work.

`enqueue(func, *args)` runs func(*args) in the background: on RQ when REDIS_URL is set (workers
started by `flask worker`), on a small in-process thread pool otherwise, so the embedded default
needs no Redis. `enqueue_after_commit` does the same once the current transaction has committed,
which is what a request or a job wants: the job sees the data it was started for, and a rolled-back
change starts nothing. Jobs take ids and plain values as arguments, never objects, run inside the
app, commit once at their end (core.transactions), and must be safe to run twice.
"""

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, SimpleWorker, Worker, get_current_job
from rq.job import Job

from webapp.core.transactions import after_commit, commit
from webapp.extensions import db

log = logging.getLogger(__name__)
RETRY_INTERVALS = [2, 10]  # seconds before RQ runs a failed job again

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_futures: set[Future] = set()


class QueueUnavailable(Exception):
    """The job queue cannot take work right now (Redis is down)."""


def perform(func, *args):
    """Run a job's function as one unit of work: commit at its end, roll back when it fails."""
    try:
        result = func(*args)
        commit()
        return result
    except BaseException:
        db.session.rollback()
        raise


class AppJob(Job):
    """An RQ job that runs inside the app (the worker's app, see `flask worker`) as one transaction."""

    app: Flask | None = None

    def perform(self):
        with self.app.app_context():
            return perform(super().perform)


def redis_connection(app=None) -> Redis:
    app = app or current_app
    connection = app.extensions.get("loket.redis")
    if connection is None:
        connection = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=10)
        app.extensions["loket.redis"] = connection
    return connection


def queue(app=None) -> Queue:
    app = app or current_app
    return Queue(app.config["RQ_QUEUE"], connection=redis_connection(app), job_class=AppJob)


def rq_worker(app: Flask, *, simple: bool = False) -> Worker:
    """An RQ worker for the app's queue whose jobs run inside this app (SimpleWorker: in this process)."""
    AppJob.app = app
    worker_class = SimpleWorker if simple else Worker
    return worker_class([queue(app)], connection=redis_connection(app), job_class=AppJob)


def will_retry() -> bool:
    """Whether the running job, should it fail now, is run again: an RQ job with retries left.
    In-process jobs are not retried."""
    job = get_current_job()
    return job is not None and job.should_retry


def worker_count() -> int:
    """How many live RQ workers listen on the app's queue (0 without Redis, or when it is down)."""
    if not current_app.config["REDIS_URL"]:
        return 0
    try:
        return len(Worker.all(queue=queue()))
    except RedisError:
        return 0


def queue_reachable() -> bool:
    """Whether a job enqueued now would be taken (always, in process)."""
    if not current_app.config["REDIS_URL"]:
        return True
    try:
        return bool(redis_connection().ping())
    except RedisError:
        return False


def enqueue(func, *args, job_id: str | None = None, depends_on=None, retries: int = 2, timeout: int = 600):
    """Run func(*args) in the background now. Raises QueueUnavailable when the queue is down."""
    app = current_app._get_current_object()
    if app.config["REDIS_URL"]:
        try:
            return queue(app).enqueue(
                func,
                *args,
                job_id=job_id,
                depends_on=depends_on,
                retry=Retry(max=retries, interval=app.config.get("RQ_RETRY_INTERVALS", RETRY_INTERVALS))
                if retries
                else None,
                job_timeout=timeout,
                result_ttl=3600,
                failure_ttl=7 * 24 * 3600,
            )
        except RedisError as error:
            raise QueueUnavailable(str(error)) from error
    future = _thread_pool(app).submit(_run_in_app, app, func, args)
    _futures.add(future)
    future.add_done_callback(_futures.discard)
    return future


def enqueue_after_commit(func, *args, **options) -> None:
    """Enqueue func(*args) once the current transaction commits (see enqueue_logged)."""
    after_commit(enqueue_logged, func, *args, **options)


def enqueue_logged(func, *args, **options) -> None:
    """Enqueue func(*args); when the queue is down, log it instead of failing: the work waits for what
    picks it up again (a periodic job that finds it undone)."""
    try:
        enqueue(func, *args, **options)
    except QueueUnavailable:
        log.warning("job %s.%s not enqueued: the queue is unreachable", func.__module__, func.__qualname__)


def _run_in_app(app, func, args):
    with app.app_context():
        try:
            return perform(func, *args)
        except Exception:
            app.logger.exception("background job %s.%s failed", func.__module__, func.__qualname__)
            raise


def _thread_pool(app) -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=app.config["JOB_THREADS"], thread_name_prefix="loket-job")
        return _pool


def wait_for_in_process_jobs(timeout: float = 60) -> None:
    """Block until the in-process jobs submitted so far, and those they started, are done (tests, `flask sweep`)."""
    while _futures:
        for future in list(_futures):
            future.exception(timeout=timeout)

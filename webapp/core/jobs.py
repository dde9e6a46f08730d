"""The one door to background work.

enqueue(func, *args) puts a job on RQ when REDIS_URL is set (run by `flask worker` or
`rq worker`), and on a small in-process thread pool otherwise, so the embedded default needs no
Redis. Jobs get ids and plain JSON values as arguments, never objects, and must be safe to run
twice.
"""
import importlib
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from flask import current_app, has_app_context
from redis import Redis
from rq import Queue, Retry
from rq.serializers import JSONSerializer

RETRY_INTERVALS = [2, 10]  # seconds before RQ runs a failed job again (0: at once)

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_futures: set[Future] = set()
_worker_app = None


class QueueUnavailable(Exception):
    """The job queue cannot take work right now (Redis is down)."""


def dotted_name(func) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def run(name: str, *args):
    """Entry point of every job: find the function and call it inside an app context."""
    module, _, attr = name.rpartition(".")
    func = getattr(importlib.import_module(module), attr)
    if has_app_context():
        return func(*args)
    with _app_for_worker().app_context():
        return func(*args)


def _app_for_worker():
    global _worker_app
    if _worker_app is None:
        from webapp import create_app

        _worker_app = create_app()
    return _worker_app


def redis_connection(app=None) -> Redis:
    app = app or current_app
    connection = app.extensions.get("loket.redis")
    if connection is None:
        connection = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=10)
        app.extensions["loket.redis"] = connection
    return connection


def queue(app=None) -> Queue:
    app = app or current_app
    return Queue(app.config["RQ_QUEUE"], connection=redis_connection(app), serializer=JSONSerializer)


def will_retry() -> bool:
    """Whether the running job, should it fail now, is run again: an RQ job with retries left.
    In-process jobs are not retried."""
    from rq import get_current_job

    job = get_current_job()
    return job is not None and job.should_retry


def worker_count() -> int:
    """How many live RQ workers listen on the app's queue (0 without Redis, or when it is down)."""
    app = current_app._get_current_object()
    if not app.config["REDIS_URL"]:
        return 0
    from redis.exceptions import RedisError
    from rq import Worker

    try:
        return len(Worker.all(queue=queue(app)))
    except RedisError:
        return 0


def enqueue(func, *args, job_id: str | None = None, depends_on=None, retries: int = 2, timeout: int = 600):
    """Run func(*args) in the background. Raises QueueUnavailable when the queue is down."""
    name = dotted_name(func)
    app = current_app._get_current_object()
    if app.config["REDIS_URL"]:
        from redis.exceptions import RedisError

        try:
            return queue(app).enqueue(
                run, name, *args, job_id=job_id, depends_on=depends_on,
                retry=Retry(max=retries, interval=RETRY_INTERVALS) if retries else None,
                job_timeout=timeout, result_ttl=3600, failure_ttl=7 * 24 * 3600,
            )
        except RedisError as error:
            raise QueueUnavailable(str(error)) from error
    future = _thread_pool(app).submit(_run_in_app, app, name, args)
    _futures.add(future)
    future.add_done_callback(_futures.discard)
    return future


def _run_in_app(app, name, args):
    with app.app_context():
        try:
            return run(name, *args)
        except Exception:
            app.logger.exception("background job %s failed", name)
            raise


def _thread_pool(app) -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=app.config["JOB_THREADS"], thread_name_prefix="loket-job")
        return _pool


def wait_for_in_process_jobs(timeout: float = 60) -> None:
    """Block until the in-process jobs submitted so far are done (for tests and `flask sweep`)."""
    for future in list(_futures):
        future.exception(timeout=timeout)

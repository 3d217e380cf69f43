"""gunicorn settings for crosscheck (``gunicorn -c deploy/gunicorn.conf.py wsgi:app``)."""
import multiprocessing
import os

bind = os.environ.get("CROSSCHECK_BIND", "127.0.0.1:8000")
# Marking requests are short and mostly wait on the database: threads per worker help.
workers = int(os.environ.get("CROSSCHECK_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("CROSSCHECK_WEB_THREADS", 4))
worker_class = "gthread"
timeout = 60
# The workers' heartbeat file: in memory, not on disk (it is touched on every request loop).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
graceful_timeout = 30
keepalive = 5
max_requests = 5000          # recycle workers now and then (bounded memory)
max_requests_jitter = 500
accesslog = None             # the app logs each request as JSON with its request id
errorlog = "-"
forwarded_allow_ips = "127.0.0.1"


def post_worker_init(worker):
    """Freeze the start-up heap out of the garbage collector's reach.

    A worker holds ~160,000 long-lived objects after loading the app (SQLAlchemy mappers,
    Jinja, Flask). Each full (generation 2) collection walked all of them: 50-110 ms of CPU
    with the GIL held, during which none of the worker's threads answered (measured under
    bench/marking_load.py, see docs/perf-load.md). Frozen, a full collection walks only what
    requests allocate, a fraction of a millisecond.
    """
    import gc

    gc.collect()
    gc.freeze()

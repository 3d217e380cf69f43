"""Background work: RQ on Redis when REDIS_URL is set, inline in the caller otherwise.

Callers commit first and enqueue after (so a worker never looks for rows that are not
there yet), passing ids, never objects. Jobs are looked up by name in ``registry`` and
run by ``runner.run`` in both modes, so inline and queued runs execute the same code.
Services reach ``enqueue`` only through ``crosscheck.background``, where the app factory
plugs it in: nothing here is imported by a service.
"""
from __future__ import annotations

from flask import current_app

from ..background import Enqueued

QUEUE_NAME = "crosscheck"


def enqueue(name: str, *args, timeout: int = 3600, description: str = "") -> Enqueued:
    """Run job ``name`` now (no REDIS_URL) or put it on the queue. Call after commit."""
    from .registry import JOBS

    if name not in JOBS:
        raise KeyError(f"unknown job {name!r}")
    cfg = current_app.config["CROSSCHECK"]
    if not cfg.redis_url:
        from .runner import run

        run(name, *args)
        return Enqueued(None, inline=True)
    job = queue(cfg.redis_url).enqueue("crosscheck.jobs.runner.run", name, *args, job_timeout=timeout,
                                       description=description or name, result_ttl=86400,
                                       failure_ttl=7 * 86400)
    return Enqueued(job.id, inline=False)


def queue(redis_url: str):
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE_NAME, connection=Redis.from_url(redis_url))

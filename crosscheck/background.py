"""The one seam through which services ask for background work, without knowing any job.

A service names a job and passes ids (after its caller's commit); the app factory plugs
the job dispatcher in (``jobs.enqueue``), so the layers only point down: ``services`` →
``background`` ← ``jobs`` → ``services``. Imports nothing from services, jobs or web.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

EXTENSION = "crosscheck.enqueue"


@dataclass(frozen=True)
class Enqueued:
    job_id: str | None  # None when the job already ran inline
    inline: bool


def enqueue(name: str, *args, timeout: int = 3600, description: str = "") -> Enqueued:
    """Run job ``name`` now (no REDIS_URL) or put it on the queue. Call after commit."""
    dispatch = current_app.extensions[EXTENSION]
    return dispatch(name, *args, timeout=timeout, description=description)

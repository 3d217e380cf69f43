"""Executing a job by name inside an app context, with one commit at the end."""
from __future__ import annotations

import logging
import os

from flask import Flask, current_app, has_app_context, has_request_context

log = logging.getLogger(__name__)
_worker_app: Flask | None = None


def _app() -> Flask:
    """The worker process's app, built once from the environment (SPEC §0)."""
    global _worker_app
    if _worker_app is None:
        from .. import create_app

        _worker_app = create_app()
    return _worker_app


def run(name: str, *args):
    """Run a registered job. Raises on failure (RQ marks the job failed; inline callers see it)."""
    from .registry import JOBS

    func = JOBS[name]
    if has_app_context():
        return _run_in_context(func, args)
    with _app().app_context():
        return _run_in_context(func, args)


def _run_in_context(func, args):
    from ..extensions import get_db

    db = get_db()
    # RQ forks a work horse per job: pooled connections inherited from the parent must
    # not be shared with it, so a forked child starts its own pool.
    if getattr(db, "_pid", None) not in (None, os.getpid()):
        db.engine.dispose(close=False)
    db._pid = os.getpid()
    session = db.session
    try:
        result = func(*args)
        session.commit()
        return result
    except BaseException:
        session.rollback()
        raise
    finally:
        # A worker starts each job with a fresh session. A job run inline by a web request
        # shares the request's session, which the request still uses (its user, its objects,
        # its error page) and removes at teardown.
        if not current_app.testing and not has_request_context():
            session.remove()

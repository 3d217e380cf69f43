"""Structured (JSON) logs with a request id, so one request can be followed across lines
and across nginx, gunicorn and the app."""
from __future__ import annotations

import json
import logging
import sys
import time
import uuid

from flask import Flask, g, request

log = logging.getLogger("crosscheck.request")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                "logger": record.name, "msg": record.getMessage()}
        data.update(getattr(record, "fields", {}))
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def configure_logging(level: int = logging.INFO) -> None:
    root = logging.getLogger("crosscheck")
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False


def _user_id() -> str | None:
    """Who asked, without loading the user just for the log line (``/healthz`` stays free
    of database work): the user the request already loaded, else the session's claim."""
    from flask import session

    loaded = g.get("_login_user")
    if loaded is not None:
        return loaded.get_id() if loaded.is_authenticated else None
    return session.get("_user_id")


def register(app: Flask) -> None:
    @app.before_request
    def start():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming[:64] if incoming.replace("-", "").isalnum() else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def finish(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if request.endpoint != "static":
            user = _user_id()
            log.info("request", extra={"fields": {
                "request_id": g.get("request_id"), "method": request.method, "path": request.path,
                "status": response.status_code, "user_id": user,
                "ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1)}})
        return response

"""How large a request body may be, per route.

Every route takes at most ``Config.max_request_kb`` (forms, the JSON API); a view that
receives files names its own larger limit with :func:`body_limit`, granted only to a
request with a signed-in session (the CSRF check parses a form before the view checks
the role: an anonymous upload must not get that far). A body over the limit is refused
with 413 from its Content-Length before anything reads it: no form parsing, no CSRF
check, no database work (and Werkzeug's stream stops a chunked body at the limit too)."""
from __future__ import annotations

from typing import Callable

from flask import Flask, abort, request, session

MB = 1024 * 1024


def body_limit(of_config: Callable[[object], int]):
    """Let a view take a body of up to ``of_config(app Config)`` bytes."""
    def mark(view):
        view.body_limit = of_config
        return view

    return mark


def register(app: Flask) -> None:
    """Call before anything that may read the body registers its own hooks (CSRFProtect)."""
    cfg = app.config["CROSSCHECK"]

    @app.before_request
    def limit_body():
        view = app.view_functions.get(request.endpoint)
        of_config = getattr(view, "body_limit", None)
        signed_in = "_user_id" in session  # the signed cookie's claim; the view checks the rest
        request.max_content_length = of_config(cfg) if of_config and signed_in else cfg.max_request_kb * 1024
        if request.content_length is not None and request.content_length > request.max_content_length:
            abort(413)

"""Security headers on every response.

Nothing the app answers may be kept by a browser or a proxy (``Cache-Control: no-store``):
pages, API answers, page images, report, protocol, cover and audit downloads all carry
someone's identity or marks, and a school computer is often shared. Only the static files
(CSS, JS, fonts, the icon) may be cached."""
from __future__ import annotations

from flask import Flask, request

CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def register(app: Flask) -> None:
    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint not in ("static", "home.favicon"):
            response.headers["Cache-Control"] = "no-store"  # replaces send_file's "no-cache"
            response.headers.pop("Expires", None)
        return response

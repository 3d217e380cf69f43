"""Friendly error pages in Russian; JSON errors under /api/."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request

from ..domain.lifecycle import CampaignClosed
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: "Некорректный запрос.",
    401: "Нужно войти в систему.",
    403: "Недостаточно прав для этой страницы.",
    404: "Страница не найдена.",
    405: "Этот метод не поддерживается.",
    409: "Данные уже изменены в другом месте.",
    413: "Файл слишком большой.",
    429: "Слишком много запросов. Повторите позже.",
    500: "Внутренняя ошибка сервера. Мы уже знаем о ней.",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(code: int, message: str | None = None):
    from flask import make_response

    message = message or MESSAGES.get(code, "Ошибка.")
    if wants_json():
        return make_response(jsonify({"error": message})), code
    return make_response(render_template("errors/error.html", code=code, message=message)), code


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return error_response(400, "Форма устарела или отправлена не с этой страницы. Обновите страницу и повторите.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        # A 404 and a 403 answer a stranger the same way: existence is not revealed.
        return error_response(code, exc.description if getattr(exc, "custom", False) else None)

    @app.errorhandler(CampaignClosed)
    def campaign_closed(exc: CampaignClosed):
        """A write refused by the lifecycle guard (the campaign is closed, marks frozen): the
        form's page again with the reason, or the reason as a 409 (API, a page to mark)."""
        from flask import flash, redirect
        from urllib.parse import urlsplit

        from ..extensions import session

        session().rollback()
        back = request.referrer or ""
        parts = urlsplit(back)
        same_site = back and parts.netloc == request.host and parts.path != request.path
        if request.method == "POST" and not wants_json() and same_site:
            flash(exc.message, "error")
            return redirect(parts.path + (f"?{parts.query}" if parts.query else ""), code=303)
        return error_response(409, exc.message)

    @app.errorhandler(OperationalError)
    def database_unavailable(exc: OperationalError):
        # A restarting database: the client should simply try again (score.js does).
        app.logger.warning("database unavailable: %s", exc.orig)
        from ..extensions import session

        session().rollback()
        response, code = error_response(503, "База данных временно недоступна. Повторите через несколько секунд.")
        response.headers["Retry-After"] = "5"
        return response, code

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def value_out_of_range(exc: Exception):
        # A value the database cannot hold (a number beyond its integer type …) that got past
        # the request's parsing (web.ids): the request is at fault, not the server.
        app.logger.warning("value out of range for the database: %s", exc)
        from ..extensions import session

        session().rollback()
        return error_response(400)

    @app.errorhandler(Exception)
    def server_error(exc: Exception):
        app.logger.exception("unhandled error", exc_info=exc)
        from ..extensions import session

        session().rollback()
        return error_response(500)

"""Blueprints by role, plus the cross-cutting web concerns (auth loading, errors, headers)."""
from __future__ import annotations

from flask import Flask


def register_web(app: Flask) -> None:
    from . import (analytics, api, audit, auth, calibration, console, errors, expert, filters, home, ids, lifecycle,
                   observer, organiser, papers, people, problems, sampling, scans, screening, security,
                   templates_admin, wizard)

    ids.register(app)  # before the blueprints: their <int:…> rules take the bounded converter
    auth.init_login(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(organiser.bp)
    app.register_blueprint(people.bp)
    app.register_blueprint(people.account_bp)
    app.register_blueprint(templates_admin.bp)
    app.register_blueprint(wizard.bp)  # «Новая кампания» and a campaign's settings page
    app.register_blueprint(console.bp)
    app.register_blueprint(sampling.bp)
    app.register_blueprint(scans.bp)
    app.register_blueprint(problems.bp)
    app.register_blueprint(observer.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(expert.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(analytics.bp)
    app.register_blueprint(calibration.bp)
    app.register_blueprint(papers.bp)
    app.register_blueprint(screening.bp)
    app.register_blueprint(lifecycle.bp)
    errors.register(app)
    security.register(app)
    filters.register(app)

"""Housekeeping jobs."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from ..db import utcnow
from ..extensions import session
from ..models import LoginAttempt


def purge_login_attempts(older_than_hours: int = 24) -> int:
    """Failed-login records only matter inside the throttling window; drop the old ones."""
    cutoff = utcnow() - timedelta(hours=older_than_hours)
    return session().execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff)).rowcount

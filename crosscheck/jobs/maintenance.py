"""Housekeeping jobs."""
from __future__ import annotations

from datetime import timedelta

from ..extensions import session
from ..services.people import accounts


def purge_login_attempts(older_than_hours: int = 24) -> int:
    """Failed-login records only matter inside the throttling window; drop the old ones.
    Logins purge them too (``accounts.authenticate``): this job is for running by hand."""
    return accounts.purge_login_attempts(session(), timedelta(hours=older_than_hours))

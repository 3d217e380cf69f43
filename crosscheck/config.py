"""Configuration from the environment (SPEC §0).

Everything the app needs to know about its surroundings comes through here, so
the web app, the CLI and the RQ workers all agree on the database, the data
directory and the queue.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

WEAK_SECRETS = {"", "dev", "secret", "changeme", "change-me", "test"}
SECRET_KEY_FILE = "secret_key"  # the generated development key, in the data dir (never backed up)


class ConfigError(RuntimeError):
    """The environment does not describe a runnable app."""


@dataclass
class Config:
    data_dir: Path
    database_url: str
    redis_url: str | None
    secret_key: str
    production: bool = False
    testing: bool = False
    # Failed logins (and wrong current passwords) inside the window: a (login, address) pair
    # is locked after login_max_failures, an address after login_max_failures_per_address
    # (any logins: a spray); a login attacked from many addresses is slowed, never locked.
    login_max_failures: int = 5
    login_max_failures_per_address: int = 20
    login_window_seconds: int = 900
    # A session cookie is refused this long after it was issued, even if it was copied
    # (logout and password change end it at once: users.session_version).
    session_hours: int = 24
    token_days: int = 30  # API tokens issued by `crosscheck users token` expire
    # Request bodies (web.limits): scan uploads, results-form uploads (above the reader's own
    # 50 MB file limit, whose message then answers), everything else (forms, the JSON API).
    max_upload_mb: int = 512
    max_table_upload_mb: int = 64
    max_request_kb: int = 1024
    max_scan_pages: int = 2000
    # Reverse proxies in front of the app whose X-Forwarded-For is trusted for the client's
    # address (login throttling per address): 1 behind nginx (the production default), 0 when
    # clients connect directly (then the header is ignored: it could be forged).
    proxy_hops: int = 0
    # nginx internal location that serves CROSSCHECK_DATA_DIR/pages (X-Accel-Redirect);
    # unset: the app sends page images itself.
    accel_pages_prefix: str = ""
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict | None = None, **overrides) -> "Config":
        env = dict(os.environ if env is None else env)
        data_dir = data_dir_from_env(env)
        production = env.get("CROSSCHECK_ENV", "").lower() == "production"
        database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'crosscheck.sqlite3'}"
        def number(name: str, default: int) -> int:
            text = env.get(name) or ""
            try:
                return int(text) if text else default
            except ValueError:
                raise ConfigError(f"{name} must be a whole number, not {text!r}") from None

        cfg = cls(
            data_dir=data_dir,
            database_url=database_url,
            redis_url=env.get("REDIS_URL") or None,
            secret_key=env.get("SECRET_KEY", ""),
            production=production,
            accel_pages_prefix=env.get("CROSSCHECK_ACCEL_PAGES", "").rstrip("/"),
            max_scan_pages=number("CROSSCHECK_MAX_SCAN_PAGES", 2000),
            max_upload_mb=number("CROSSCHECK_MAX_UPLOAD_MB", 512),
            max_table_upload_mb=number("CROSSCHECK_MAX_TABLE_UPLOAD_MB", 64),
            max_request_kb=number("CROSSCHECK_MAX_REQUEST_KB", 1024),
            login_max_failures=number("CROSSCHECK_LOGIN_MAX_FAILURES", 5),
            login_max_failures_per_address=number("CROSSCHECK_LOGIN_MAX_FAILURES_PER_ADDRESS", 20),
            login_window_seconds=number("CROSSCHECK_LOGIN_WINDOW_SECONDS", 900),
            session_hours=number("CROSSCHECK_SESSION_HOURS", 24),
            token_days=number("CROSSCHECK_TOKEN_DAYS", 30),
            proxy_hops=number("CROSSCHECK_PROXY_HOPS", 1 if production else 0),
        )
        for key, value in overrides.items():
            setattr(cfg, key, value)
        cfg.secret_key = resolve_secret(cfg)
        return cfg


def data_dir_from_env(env: dict | None = None) -> Path:
    """CROSSCHECK_DATA_DIR (default ./var), resolved; nothing is created."""
    env = os.environ if env is None else env
    return Path(env.get("CROSSCHECK_DATA_DIR") or "./var").resolve()


def resolve_secret(cfg: Config) -> str:
    """Production must be given a real secret; elsewhere one is generated once and kept.

    Keeping the generated key in the data dir means sessions survive restarts of a
    development server without anyone having to invent a key.
    """
    if cfg.secret_key:
        if cfg.production and (cfg.secret_key.lower() in WEAK_SECRETS or len(cfg.secret_key) < 32):
            raise ConfigError("SECRET_KEY is too weak for production (need 32+ random characters)")
        return cfg.secret_key
    if cfg.production:
        raise ConfigError("SECRET_KEY must be set explicitly in production")
    make_data_dir(cfg.data_dir)
    key_file = cfg.data_dir / SECRET_KEY_FILE
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def make_data_dir(path: Path) -> Path:
    """The data directory (pupils' scans, marks, the database file): created readable by the
    app's user only (0700). An existing one keeps its mode: the administrator may have opened
    it to nginx's group for page images (docs/deployment.md)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path

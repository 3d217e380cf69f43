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
    login_max_failures: int = 5
    login_window_seconds: int = 900
    max_upload_mb: int = 512
    max_scan_pages: int = 2000
    # nginx internal location that serves CROSSCHECK_DATA_DIR/pages (X-Accel-Redirect);
    # unset: the app sends page images itself.
    accel_pages_prefix: str = ""
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict | None = None, **overrides) -> "Config":
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("CROSSCHECK_DATA_DIR") or "./var").resolve()
        production = env.get("CROSSCHECK_ENV", "").lower() == "production"
        database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'crosscheck.sqlite3'}"
        cfg = cls(
            data_dir=data_dir,
            database_url=database_url,
            redis_url=env.get("REDIS_URL") or None,
            secret_key=env.get("SECRET_KEY", ""),
            production=production,
            accel_pages_prefix=env.get("CROSSCHECK_ACCEL_PAGES", "").rstrip("/"),
            max_scan_pages=int(env.get("CROSSCHECK_MAX_SCAN_PAGES") or 2000),
        )
        for key, value in overrides.items():
            setattr(cfg, key, value)
        cfg.secret_key = resolve_secret(cfg)
        return cfg


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
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    key_file = cfg.data_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()

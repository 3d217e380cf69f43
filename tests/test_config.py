"""SPEC §0 configuration; production refuses a weak or missing secret."""
from __future__ import annotations

import pytest

from crosscheck.config import Config, ConfigError


def test_defaults_use_sqlite_in_the_data_dir_and_keep_a_generated_secret(tmp_path):
    env = {"CROSSCHECK_DATA_DIR": str(tmp_path)}
    first = Config.from_env(env)
    assert first.database_url == f"sqlite:///{tmp_path / 'crosscheck.sqlite3'}"
    assert first.redis_url is None
    assert len(first.secret_key) >= 32
    assert Config.from_env(env).secret_key == first.secret_key
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


def test_environment_is_honoured(tmp_path):
    cfg = Config.from_env({"CROSSCHECK_DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql+psycopg://x/y",
                           "REDIS_URL": "redis://127.0.0.1:6379/0", "SECRET_KEY": "k" * 40})
    assert (cfg.database_url, cfg.redis_url, cfg.secret_key) == ("postgresql+psycopg://x/y",
                                                                  "redis://127.0.0.1:6379/0", "k" * 40)


@pytest.mark.parametrize("secret", ["", "dev", "short-secret"])
def test_production_refuses_missing_or_weak_secret(tmp_path, secret):
    with pytest.raises(ConfigError):
        Config.from_env({"CROSSCHECK_DATA_DIR": str(tmp_path), "CROSSCHECK_ENV": "production",
                         "SECRET_KEY": secret})


def test_production_accepts_a_real_secret_and_sets_secure_cookies(tmp_path):
    from crosscheck import create_app

    cfg = Config.from_env({"CROSSCHECK_DATA_DIR": str(tmp_path), "CROSSCHECK_ENV": "production",
                           "SECRET_KEY": "x9" * 20})
    app = create_app(cfg)
    assert app.config["SESSION_COOKIE_SECURE"] is True

#!/usr/bin/env bash
# Quick start 2: install everything and run the whole test suite (SQLite by default;
# set TEST_DATABASE_URL=postgresql+psycopg://… to run it on PostgreSQL).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh test
bash scripts/venv.sh "[test]"
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" -q "$@"

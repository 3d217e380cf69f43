#!/usr/bin/env bash
# Create .venv (if needed) and install crosscheck into it; $1 = pip extras, e.g. "[test]".
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
  .venv/bin/pip install -q --upgrade pip
fi
.venv/bin/pip install -q -e ".${1:-}" 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import crosscheck, flask, sqlalchemy" # fail loudly if the install did not work

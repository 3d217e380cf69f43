#!/usr/bin/env bash
# Quick start 1: install, load the demo campaign into the embedded SQLite database, run the app.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh run
bash scripts/venv.sh
export CROSSCHECK_DATA_DIR="${CROSSCHECK_DATA_DIR:-$PWD/var}"
.venv/bin/crosscheck db upgrade
.venv/bin/crosscheck demo
port="${PORT:-5000}"
echo
echo "crosscheck работает: http://127.0.0.1:${port}/   (остановить: Ctrl+C)"
echo "Отметки демо пришли в этих файлах (выгрузка ФИС ОКО «Индивидуальные результаты» и формы двух школ):"
for form in "$CROSSCHECK_DATA_DIR"/demo-forms/*.xlsx; do
  if [ -e "$form" ]; then echo "  $form"; fi
done
echo "Загрузите их снова на странице кампании, раздел «Первичные баллы школы» (выгрузку — без школы,"
echo "форму школы — выбрав её школу): «без изменений»."
exec .venv/bin/flask --app wsgi run --host 127.0.0.1 --port "$port"

#!/usr/bin/env bash
# Run the whole test suite: install (apt packages, virtualenv, requirements), then
# missing-migration check, system checks, ruff, import layers (lint-imports), pytest. Extra arguments go to pytest.
#
#   bash scripts/test.sh            # everything
#   bash scripts/test.sh -k pdf     # a subset
#
# DATABASE_URL selects the database (unset: SQLite; postgres://postgres@127.0.0.1:5432/NAME: PostgreSQL,
# the test runner creates test_NAME).
set -euo pipefail

# shellcheck source=scripts/install.sh
source "$(dirname "${BASH_SOURCE[0]}")/install.sh"
evalportal_install
cd "$EVALPORTAL_ROOT"

# pytest-django's live_server runs the ORM inside Playwright's event loop.
export DJANGO_ALLOW_ASYNC_UNSAFE=true
export PYTHONDONTWRITEBYTECODE=1

_ep_log "database: ${DATABASE_URL:-sqlite (DATABASE_URL unset)}"

_ep_log "manage.py makemigrations --check --dry-run"
if ! "$EVALPORTAL_PY" manage.py makemigrations --check --dry-run; then
    _ep_log "FAIL: models changed without a migration (run manage.py makemigrations APP --name WHAT)"
    exit 1
fi

_ep_log "manage.py check (includes evalportal.E001: CJK font embedded in PDFs)"
"$EVALPORTAL_PY" manage.py check

_ep_log "ruff check ."
"$EVALPORTAL_VENV/bin/ruff" check .

_ep_log "lint-imports (layers: reports → indicators → stations → evalportal; no cycles inside an app)"
"$EVALPORTAL_VENV/bin/lint-imports"

_ep_log "pytest $*"
set +e
"$EVALPORTAL_PY" -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    _ep_log "FAIL: pytest collected no tests (exit 5)"
    exit 1
fi
exit "$status"

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

# In parallel (pytest-xdist): one process per core, at most 4; each test file runs whole in one process
# (--dist loadfile), so a file's live server, browser and extra databases are never shared with another process, and
# each process has its own test database (test_NAME_gw0, test_NAME_gw1, …). EVALPORTAL_TEST_WORKERS=0 runs the
# tests in this process (for --pdb or a debugger); an -n given as an argument wins.
workers="${EVALPORTAL_TEST_WORKERS:-$(nproc 2>/dev/null || echo 1)}"
if ! [[ "$workers" =~ ^[0-9]+$ ]]; then
    # checked before the install below (which defines _ep_log), so that a typo fails at once
    printf '\033[1m[evalportal]\033[0m %s\n' \
        "FAIL: EVALPORTAL_TEST_WORKERS must be a whole number (0 runs the tests in one process), not '$workers'" >&2
    exit 1
fi
parallel=()
if [ "$workers" -gt 1 ]; then
    parallel=(-n "$(( workers > 4 ? 4 : workers ))" --dist loadfile)
fi

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

_ep_log "pytest ${parallel[*]} $*"
set +e
"$EVALPORTAL_PY" -m pytest "${parallel[@]}" "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    _ep_log "FAIL: pytest collected no tests (exit 5)"
    exit 1
fi
exit "$status"

#!/usr/bin/env bash
# Install everything, prepare the database with demo data, and serve the portal at http://127.0.0.1:8000.
#
#   bash scripts/setup_and_serve.sh
#
# Steps: system packages + virtualenv + requirements (scripts/install.sh), migrate, collectstatic,
# load_demo, then runserver. If the project has a `run_worker` management command (background ZIP
# builds), it is started alongside the server and stopped when the server stops.
# Running it again is safe: every step is idempotent.
#
# Environment:
#   EVALPORTAL_ADDR   address:port to serve on (default 127.0.0.1:8000)
#   DATABASE_URL      database (default: SQLite file db.sqlite3)
#   SKIP_DEMO=1       do not run load_demo (demo data is otherwise required: a failure stops the script)
set -euo pipefail

# shellcheck source=scripts/install.sh
source "$(dirname "${BASH_SOURCE[0]}")/install.sh"
evalportal_install
cd "$EVALPORTAL_ROOT"

ADDR="${EVALPORTAL_ADDR:-127.0.0.1:8000}"
manage() { "$EVALPORTAL_PY" manage.py "$@"; }

_ep_log "manage.py migrate"
manage migrate --noinput

_ep_log "manage.py collectstatic"
manage collectstatic --noinput --verbosity 0

if [ "${SKIP_DEMO:-0}" = "1" ]; then
    _ep_log "SKIP_DEMO=1: not loading demo data"
else
    _ep_log "manage.py load_demo"
    if ! manage load_demo; then
        _ep_log "ERROR: manage.py load_demo failed; the portal was NOT started. (SKIP_DEMO=1 serves without demo data.)"
        exit 1
    fi
fi

server_pid=""
worker_pid=""
stop_children() {
    trap - EXIT INT TERM
    local pid
    for pid in $worker_pid $server_pid; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in $worker_pid $server_pid; do
        wait "$pid" 2>/dev/null || true
    done
}
trap stop_children EXIT
trap 'stop_children; exit 130' INT
trap 'stop_children; exit 143' TERM

if manage help run_worker >/dev/null 2>&1; then
    _ep_log "starting background worker: manage.py run_worker"
    # Not through the shell function: $! must be the python process itself, so that TERM reaches it.
    "$EVALPORTAL_PY" manage.py run_worker &
    worker_pid=$!
fi

_ep_log "serving http://$ADDR/ (Ctrl-C stops the server${worker_pid:+ and the worker})"
# In the background so that INT/TERM reach the trap at once; `wait` returns when the server stops.
"$EVALPORTAL_PY" manage.py runserver "$ADDR" &
server_pid=$!
set +e
wait "$server_pid"
status=$?
set -e
server_pid=""
exit "$status"

#!/usr/bin/env bash
# Smoke test of the real stack (issue 13 §4), on loopback only:
#   PostgreSQL (the local server; a throwaway database evalportal_smoke), an S3-compatible server (moto), two gunicorn
#   app servers and the background worker with production settings, nginx in front with TLS (self-signed) serving
#   static files and protected downloads (X-Accel-Redirect, from S3).
# Then: a scripted journey (scripts/smoke/journey.py), a bounded mixed load test (locust, 40 s, several users per role,
# reads and saves, lost saves checked), the throughput of the busiest pages against a bare view. Stops everything it
# started; exits non-zero on any error.
#
#   bash scripts/smoke_deploy.sh
#
# Environment: SMOKE_PG (default postgres://postgres@127.0.0.1:5432), SMOKE_LOAD_SECONDS (default 40).
set -euo pipefail

# shellcheck source=scripts/install.sh
source "$(dirname "${BASH_SOURCE[0]}")/install.sh"
evalportal_install
cd "$EVALPORTAL_ROOT"
PY="$EVALPORTAL_PY"
BIN="$EVALPORTAL_VENV/bin"
WORK="$(mktemp -d -t evalportal-smoke.XXXXXX)"
PIDS=()
NGINX_CONF=""

say() { printf '\033[1m[smoke]\033[0m %s\n' "$*" >&2; }

cleanup() {
    local status=$?
    say "stopping everything the smoke test started"
    if [ -n "$NGINX_CONF" ] && [ -f "$WORK/nginx.pid" ]; then
        nginx -c "$NGINX_CONF" -p "$WORK" -e "$WORK/nginx-error.log" -s quit 2>/dev/null || true
    fi
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 20); do
        local alive=0
        for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.5
    done
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    if [ "$status" -ne 0 ]; then
        say "FAILED (exit $status); last lines of the logs:"
        for log in "$WORK"/*.log; do [ -f "$log" ] && { echo "--- $log"; tail -n 15 "$log"; }; done
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_for() {  # wait_for NAME SECONDS COMMAND...
    local name=$1 seconds=$2; shift 2
    for _ in $(seq 1 $((seconds * 4))); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.25
    done
    say "$name did not come up within ${seconds}s"
    return 1
}

command -v nginx >/dev/null || { say "nginx is not installed (scripts/install.sh installs it)"; exit 1; }

# --- PostgreSQL ----------------------------------------------------------------------------------------------------
PG_BASE="${SMOKE_PG:-postgres://postgres@127.0.0.1:5432}"
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    say "starting PostgreSQL cluster $version/main"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    wait_for PostgreSQL 30 pg_isready -q -h 127.0.0.1 -p 5432
fi
psql "$PG_BASE/postgres" -qc "drop database if exists evalportal_smoke" -c "create database evalportal_smoke"

# --- S3-compatible object storage (moto) --------------------------------------------------------------------------
S3_PORT=$(free_port)
"$BIN/moto_server" -H 127.0.0.1 -p "$S3_PORT" >"$WORK/s3.log" 2>&1 &
PIDS+=($!)
wait_for "S3 server" 30 curl -sf "http://127.0.0.1:$S3_PORT/moto-api/"

# --- settings: production, with files in S3 and downloads through nginx ----------------------------------------------
export DJANGO_SETTINGS_MODULE=evalportal.settings.production
SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(60))')"
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1,localhost
export DATABASE_URL="$PG_BASE/evalportal_smoke" CONN_MAX_AGE=60
export EVALPORTAL_STORAGE=s3 AWS_S3_ENDPOINT_URL="http://127.0.0.1:$S3_PORT" AWS_STORAGE_BUCKET_NAME=evalportal
export AWS_ACCESS_KEY_ID=smoke AWS_SECRET_ACCESS_KEY=smoke-secret AWS_S3_REGION_NAME=us-east-1
export EVALPORTAL_DOWNLOADS=x-accel EVALPORTAL_BENCH_BARE=1 LOG_FORMAT=json MEDIA_ROOT="$WORK/media"
export FORWARDED_ALLOW_IPS=127.0.0.1
unset DJANGO_ALLOW_ASYNC_UNSAFE
"$PY" - <<'PYEOF'
import os, boto3
boto3.client("s3", endpoint_url=os.environ["AWS_S3_ENDPOINT_URL"], region_name="us-east-1",
             aws_access_key_id="smoke", aws_secret_access_key="smoke-secret").create_bucket(Bucket="evalportal")
PYEOF

say "migrate, collectstatic, load_demo, check --deploy"
"$PY" manage.py migrate -v0
"$PY" manage.py collectstatic --noinput -v0
"$PY" manage.py load_demo >/dev/null
"$PY" manage.py check --deploy --fail-level WARNING

# --- two app servers, the worker -----------------------------------------------------------------------------------
APP1=$(free_port); APP2=$(free_port)
for port in "$APP1" "$APP2"; do
    EVALPORTAL_BIND="127.0.0.1:$port" WEB_CONCURRENCY=2 \
        "$BIN/gunicorn" -c deploy/gunicorn.conf.py evalportal.wsgi >"$WORK/app-$port.log" 2>&1 &
    PIDS+=($!)
done
"$PY" manage.py run_worker --poll 1 >"$WORK/worker.log" 2>&1 &
PIDS+=($!)

# --- nginx with TLS in front ---------------------------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$WORK/tls.key" -out "$WORK/tls.crt" 2>/dev/null
NGX=$(free_port); NGX_HTTP=$(free_port); PIN1=$(free_port); PIN2=$(free_port)
mkdir -p "$WORK/nginx-tmp"
render() {  # the production templates with this run's values
    sed -e "s#{{SERVER_NAME}}#127.0.0.1 localhost#g" -e "s#{{LISTEN}}#127.0.0.1:$NGX ssl http2#g" \
        -e "s#{{HTTP_LISTEN}}#127.0.0.1:$NGX_HTTP#g" \
        -e "s#{{TLS_CERT}}#$WORK/tls.crt#g" -e "s#{{TLS_KEY}}#$WORK/tls.key#g" \
        -e "s#{{APP_SERVERS}}#server 127.0.0.1:$APP1; server 127.0.0.1:$APP2;#g" \
        -e "s#{{STATIC_ROOT}}#$EVALPORTAL_ROOT/staticfiles#g" -e "s#{{MEDIA_ROOT}}#$WORK/media#g" \
        -e "s#{{S3_ENDPOINT}}#http://127.0.0.1:$S3_PORT#g" -e "s#{{LOCATIONS}}#$WORK/locations.conf#g" "$1"
}
render deploy/nginx/evalportal-locations.conf >"$WORK/locations.conf"
render deploy/nginx/evalportal.conf >"$WORK/site.conf"
NGINX_CONF="$WORK/nginx.conf"
cat >"$NGINX_CONF" <<NGINXEOF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 512; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $WORK/nginx-access.log;
    client_body_temp_path $WORK/nginx-tmp/body;
    proxy_temp_path $WORK/nginx-tmp/proxy;
    fastcgi_temp_path $WORK/nginx-tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx-tmp/uwsgi;
    scgi_temp_path $WORK/nginx-tmp/scgi;
    include $WORK/site.conf;
    # one port per app server, so the journey can choose which server answers
    upstream evalportal_app1 { server 127.0.0.1:$APP1; keepalive 4; }
    upstream evalportal_app2 { server 127.0.0.1:$APP2; keepalive 4; }
    server {
        listen 127.0.0.1:$PIN1 ssl; ssl_certificate $WORK/tls.crt; ssl_certificate_key $WORK/tls.key;
        set \$evalportal_upstream evalportal_app1; include $WORK/locations.conf;
    }
    server {
        listen 127.0.0.1:$PIN2 ssl; ssl_certificate $WORK/tls.crt; ssl_certificate_key $WORK/tls.key;
        set \$evalportal_upstream evalportal_app2; include $WORK/locations.conf;
    }
}
NGINXEOF
nginx -t -q -c "$NGINX_CONF" -p "$WORK" -e "$WORK/nginx-error.log"
nginx -c "$NGINX_CONF" -p "$WORK" -e "$WORK/nginx-error.log"
BASE="https://127.0.0.1:$NGX"
CA="$WORK/tls.crt"
for port in "$NGX" "$PIN1" "$PIN2"; do
    wait_for "nginx → app servers on $port" 60 curl -sf --cacert "$CA" "https://127.0.0.1:$port/healthz"
done
wait_for "worker heartbeat" 30 sh -c "curl -s --cacert '$CA' '$BASE/healthz' | grep -q '\"worker\": \"ok\"'"
say "healthz: $(curl -s --cacert "$CA" "$BASE/healthz")"

# --- journey, load, throughput -------------------------------------------------------------------------------------
say "journey"
"$PY" scripts/smoke/journey.py "$BASE" "https://127.0.0.1:$PIN1" "https://127.0.0.1:$PIN2" "$CA"

LOAD_SECONDS="${SMOKE_LOAD_SECONDS:-40}"
say "load test: 14 users (street 6, bureau 4, supervision 2, evaluator 2) for ${LOAD_SECONDS}s"
SMOKE_CA_FILE="$CA" "$BIN/locust" -f scripts/smoke/locustfile.py --headless -u 14 -r 7 -t "${LOAD_SECONDS}s" \
    --stop-timeout 15 --host "$BASE" --csv "$WORK/load" --only-summary --loglevel WARNING 2>"$WORK/locust.log"
"$PY" - "$WORK/load_stats.csv" <<'PYEOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
total = next(r for r in rows if r["Name"] == "Aggregated")
print(f"[smoke] load: {float(total['Requests/s']):.1f} req/s, p50 {total['50%']} ms, p99 {total['99%']} ms, "
      f"{total['Request Count']} requests, {total['Failure Count']} errors")
for r in rows:
    if r["Name"] != "Aggregated":
        print(f"[smoke]   {r['Type']:5s} {r['Name']:28s} {r['Request Count']:>5s} req  p50 {r['50%']:>5s} ms  "
              f"p99 {r['99%']:>5s} ms  errors {r['Failure Count']}")
sys.exit(1 if int(total["Failure Count"]) else 0)
PYEOF

"$PY" scripts/smoke/throughput.py "$BASE" "$CA"
if grep -q '"level": "ERROR"' "$WORK"/app-*.log "$WORK/worker.log"; then
    say "errors in the app server or worker logs:"; grep -h '"level": "ERROR"' "$WORK"/app-*.log "$WORK/worker.log" | head -n 5
    exit 1
fi
say "OK"

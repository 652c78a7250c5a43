#!/usr/bin/env bash
# Shared install steps for evalportal on Debian 12 (run as root, or as a user with sudo).
#
#   bash scripts/install.sh          # install only
#   source scripts/install.sh        # defines evalportal_install and the variables below, runs nothing
#
# Idempotent: apt runs only when a package is missing, the virtualenv is created only when absent,
# and `pip install -r requirements.txt` leaves satisfied pins alone.
#
# Environment:
#   EVALPORTAL_VENV   virtualenv directory (default: <project>/.venv)
#   PYTHON            interpreter used to create it (default: python3.11, Debian 12's python3)
#   SKIP_APT=1        do not check or install system packages

EVALPORTAL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EVALPORTAL_VENV="${EVALPORTAL_VENV:-$EVALPORTAL_ROOT/.venv}"
EVALPORTAL_PY="$EVALPORTAL_VENV/bin/python"

# WeasyPrint needs libharfbuzz-subset0 (without it Chinese PDFs take 15x longer) and a CJK font;
# poppler-utils gives pdftotext/pdffonts for tests; chromium drives the browser tests (no `playwright install`);
# nginx, openssl and curl run the production smoke test (scripts/smoke_deploy.sh).
EVALPORTAL_APT_PACKAGES=(
    python3 python3-venv
    libharfbuzz-subset0 fonts-noto-cjk poppler-utils
    chromium chromium-driver
    nginx openssl curl
)

_ep_log() { printf '\033[1m[evalportal]\033[0m %s\n' "$*" >&2; }

_ep_as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        _ep_log "需要 root 权限 (need root) to run: $*"
        return 1
    fi
}

_ep_missing_apt_packages() {
    local pkg
    for pkg in "$@"; do
        if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]; then
            printf '%s\n' "$pkg"
        fi
    done
}

evalportal_install_apt() {
    if [ "${SKIP_APT:-0}" = "1" ]; then
        _ep_log "SKIP_APT=1: not checking system packages"
        return 0
    fi
    if ! command -v dpkg-query >/dev/null 2>&1; then
        _ep_log "dpkg-query not found: this script targets Debian 12; install ${EVALPORTAL_APT_PACKAGES[*]} yourself and set SKIP_APT=1"
        return 1
    fi
    local missing
    missing="$(_ep_missing_apt_packages "${EVALPORTAL_APT_PACKAGES[@]}")"
    if [ -z "$missing" ]; then
        _ep_log "system packages present"
        return 0
    fi
    # shellcheck disable=SC2086
    _ep_log "installing system packages: $(echo $missing)"
    _ep_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q || return 1
    # shellcheck disable=SC2086
    _ep_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing </dev/null || return 1
}

evalportal_install_venv() {
    if [ -x "$EVALPORTAL_PY" ] && "$EVALPORTAL_PY" -c 'import sys' >/dev/null 2>&1; then
        _ep_log "virtualenv present: $EVALPORTAL_VENV"
    else
        local python="${PYTHON:-python3.11}"
        if ! command -v "$python" >/dev/null 2>&1; then
            _ep_log "$python not found (Debian 12: apt-get install python3 python3-venv)"
            return 1
        fi
        _ep_log "creating virtualenv $EVALPORTAL_VENV with $python"
        rm -rf "$EVALPORTAL_VENV"
        "$python" -m venv "$EVALPORTAL_VENV" || return 1
    fi
    _ep_log "pip install -r requirements.txt"
    "$EVALPORTAL_PY" -m pip install --disable-pip-version-check --quiet -r "$EVALPORTAL_ROOT/requirements.txt" || return 1
}

evalportal_install() {
    evalportal_install_apt && evalportal_install_venv
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    evalportal_install
fi

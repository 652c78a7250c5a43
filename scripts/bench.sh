#!/usr/bin/env bash
# Run every bench/*.py with the project's virtualenv python, from the project root.
# Fails if any benchmark fails; each benchmark prints its own figures.
set -euo pipefail

# shellcheck source=scripts/install.sh
source "$(dirname "${BASH_SOURCE[0]}")/install.sh"
evalportal_install
cd "$EVALPORTAL_ROOT"

shopt -s nullglob
benches=(bench/*.py)
if [ "${#benches[@]}" -eq 0 ]; then
    _ep_log "no benchmarks under bench/"
    exit 0
fi
failed=0
for bench in "${benches[@]}"; do
    _ep_log "bench: $bench"
    if ! "$EVALPORTAL_PY" "$bench"; then
        _ep_log "FAIL: $bench"
        failed=$((failed + 1))
    fi
done
_ep_log "benchmarks: ${#benches[@]} run, $failed failed"
[ "$failed" -eq 0 ]

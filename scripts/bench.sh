#!/usr/bin/env bash
# Run the bench/*.py benchmarks with the project's virtualenv python, from the project root.
# Fails if any benchmark fails; each benchmark prints its own figures.
set -euo pipefail

# shellcheck source=scripts/install.sh
source "$(dirname "${BASH_SOURCE[0]}")/install.sh"
evalportal_install
cd "$EVALPORTAL_ROOT"

# The long ones run only when asked: bench_rollup.py writes 40,000 stations × 12 months into PostgreSQL (about
# 20 minutes of loading), profile_pages.py is a profiling tool. BENCH_ALL=1 runs them too.
shopt -s nullglob
benches=()
for bench in bench/*.py; do
    case "$(basename "$bench")" in
        _*.py) ;;  # shared set-up (bench/_common.py), not a benchmark
        bench_rollup.py|profile_pages.py) [ "${BENCH_ALL:-0}" = "1" ] && benches+=("$bench") ;;
        *) benches+=("$bench") ;;
    esac
done
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

#!/usr/bin/env bash
# Runs webprofiled from this checkout on its embedded defaults: the SQLite database and both
# sockets under ./.state (API: .state/webprofiled.sock, operator: .state/operator.sock).
# Extra arguments go to webprofiled, e.g. `scripts/run.sh --log-level debug`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
swift build --product webprofiled
swift build --product webprofilectl
mkdir -p .state
echo "webprofiled: state in $(pwd)/.state; try: .build/debug/webprofilectl --socket .state/webprofiled.sock health" >&2
exec .build/debug/webprofiled --state-directory .state "$@"

#!/usr/bin/env bash
# Runs every test: the Swift test suites (unit, property, integration and end-to-end tests against
# the real binaries) and the Python interop test. Tests that need root, a real journald or a
# real systemd run when CI=true (or WEBPROFILES_SYSTEM_TESTS=1) and say loudly when skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh --test

echo "==> swift build (debug, with tests)"
swift build --build-tests

echo "==> swift test"
swift test --skip-build

echo "==> interop test (Python, Tests/Interop)"
WEBPROFILED="$(pwd)/.build/debug/webprofiled" python3 -m pytest -q Tests/Interop

echo "==> systemd tests (Tests/System: units, socket activation, journald, a real systemd)"
python3 -m pytest -q -rs Tests/System

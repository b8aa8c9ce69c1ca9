#!/usr/bin/env bash
# Runs every test: the Swift test suites (unit, property, integration and end-to-end tests against
# the real binaries; the store's conformance suite on SQLite and on PostgreSQL), the Python interop
# test, the hostile-input suite, several daemons on one PostgreSQL, and a bounded fuzzing run.
# The PostgreSQL server is started here (scripts/postgres.sh: a temporary folder, Unix socket only,
# as the postgres user) and stopped on exit.
# Tests that need root, a real journald or a real systemd run when CI=true (or
# WEBPROFILES_SYSTEM_TESTS=1) and say loudly when skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh --test

echo "==> PostgreSQL for the tests (scripts/postgres.sh)"
pg_dir=$(scripts/postgres.sh start)
trap 'scripts/postgres.sh stop "$pg_dir"' EXIT
export WEBPROFILES_TEST_POSTGRES="$pg_dir/sock"

echo "==> swift build (debug, with tests)"
swift build --build-tests

echo "==> swift test"
# Bounded: a test that hangs fails the run instead of holding CI until its limit.
timeout --signal=ABRT 1200 swift test --skip-build
# The binaries the Python suites drive: the ones this build made.
bin=$(swift build --show-bin-path)
export WEBPROFILED="$bin/webprofiled" WEBPROFILECTL="$bin/webprofilectl"

echo "==> man pages (man/ matches the --help texts)"
scripts/check-man.sh

echo "==> architecture (Tests/Architecture: imports match Package.swift and ARCHITECTURE.md's rules)"
python3 -m pytest -q Tests/Architecture

echo "==> interop test (Python, Tests/Interop)"
python3 -m pytest -q Tests/Interop

echo "==> metrics (Python, Tests/Metrics: Operator/Metrics through the CLI, promtool check metrics)"
python3 -m pytest -q Tests/Metrics

echo "==> hostile-input suite (Python, Tests/Hostile: each attack measured, its bound asserted)"
python3 -m pytest -q -rs Tests/Hostile

echo "==> several daemons on one PostgreSQL (Python, Tests/Distributed: cross-host bounds, faults, conflicts)"
python3 -m pytest -q -rs Tests/Distributed

# Bounded: each target fuzzes for FUZZ_SECONDS (60 in CI, 15 otherwise).
fuzz_seconds=${FUZZ_SECONDS:-$([[ "${CI:-}" == true ]] && echo 60 || echo 15)}
echo "==> fuzzing (libFuzzer + AddressSanitizer, ${fuzz_seconds}s per target)"
scripts/fuzz.sh all "$fuzz_seconds"

echo "==> systemd tests (Tests/System: units, socket activation, journald, a real systemd)"
python3 -m pytest -q -rs Tests/System

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

echo "==> protocol schema (Python, Tests/Schema: Protocol/webprofiles.cddl against the golden vectors and the code)"
python3 -m pytest -q Tests/Schema

echo "==> Python client (Clients/python: pip install, then its tests against the real daemon and the CDDL)"
# Online pip builds it in an isolated environment; offline it needs --no-build-isolation (the
# installed setuptools and wheel); Debian's own python3 also --break-system-packages.
python3 -m pip install -q --root-user-action=ignore ./Clients/python 2>/dev/null \
    || python3 -m pip install -q --root-user-action=ignore --no-build-isolation ./Clients/python 2>/dev/null \
    || python3 -m pip install -q --root-user-action=ignore --break-system-packages ./Clients/python
python3 -m pytest -q Clients/python/tests

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

if [[ ( "${CI:-}" == true || "${WEBPROFILES_SYSTEM_TESTS:-}" == 1 ) && $(id -u) -eq 0 && -z "${WEBPROFILES_DEB:-}" ]]; then
    # A release build with the Swift runtime linked in (about 12 minutes from scratch on 2 cores),
    # for Tests/System/test_debian_package.py (which would otherwise run `make deb` itself).
    echo "==> Debian package (make deb)"
    deb_start=$SECONDS
    mkdir -p .build-deb
    make -s deb >.build-deb/make-deb.log 2>&1 || { tail -n 60 .build-deb/make-deb.log; exit 1; }
    WEBPROFILES_DEB=$(tail -n 1 .build-deb/make-deb.log)
    export WEBPROFILES_DEB
    echo "make deb: $((SECONDS - deb_start))s, $WEBPROFILES_DEB"
fi

echo "==> systemd tests (Tests/System: units, socket activation, journald, a real systemd, the Debian package)"
python3 -m pytest -q -rs Tests/System

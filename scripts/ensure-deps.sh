#!/usr/bin/env bash
# Installs what building and testing webprofiled need, when it is missing:
# Debian packages (C libraries wrapped by the Swift package, tools the tests drive) and the
# Python packages of the interop test. Safe to run again; does nothing when all is there.
set -euo pipefail

debian_packages=(pkg-config libsystemd-dev libargon2-dev libsqlite3-dev libcrack2-dev cracklib-runtime python3 python3-pip)
if [[ "${1:-}" == "--test" ]]; then
    # The real-systemd tests: socket activation, journald, nspawn.
    debian_packages+=(make systemd systemd-container dbus util-linux gcc libc6-dev strace sqlite3)
    # The PostgreSQL backend's tests: a server the test script starts in a temporary folder.
    debian_packages+=(postgresql postgresql-client)
    # The metrics tests: promtool checks what Operator/Metrics writes.
    debian_packages+=(prometheus)
    # The Debian package's test (Tests/System/test_debian_package.py): make deb, then lintian.
    debian_packages+=(build-essential debhelper dpkg-dev lintian)
fi
if [[ "${1:-}" == "--bench" ]]; then
    # Benchmarks/run.sh: the C floor, the Redis peer, CPU pinning, and the Python client.
    debian_packages+=(make gcc libc6-dev redis-server redis-tools util-linux postgresql postgresql-client)
fi

missing=()
for pkg in "${debian_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "ensure-deps: installing Debian packages: ${missing[*]}" >&2
    sudo_cmd=()
    [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ "${1:-}" == "--bench" ]]; then
    if ! python3 -c "import cbor2" 2>/dev/null; then
        echo "ensure-deps: installing Python packages: cbor2" >&2
        python3 -m pip install -q cbor2 2>/dev/null || python3 -m pip install -q --break-system-packages cbor2
    fi
fi

if [[ "${1:-}" == "--test" ]]; then
    # pycddl: the CDDL validator of Tests/Schema and of the end-to-end suites' message checks.
    if ! python3 -c "import cbor2, pytest, pycddl" 2>/dev/null; then
        echo "ensure-deps: installing Python packages: cbor2 pytest pycddl" >&2
        python3 -m pip install -q cbor2 pytest pycddl 2>/dev/null \
            || python3 -m pip install -q --break-system-packages cbor2 pytest pycddl
    fi
fi

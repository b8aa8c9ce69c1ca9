#!/usr/bin/env bash
# Installs the build and units into a real systemd booted with systemd-nspawn and drives
# webprofiled the way a sysadmin does. Prints "CHECK <name>" for every check that passed;
# exits non-zero at the first that does not. Run as root (Tests/System/test_real_systemd.py).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/Tests/System/container.sh"
STAGE=$(mktemp -d /tmp/wp-stage-XXXXXX)
trap 'container_stop; rm -rf "$STAGE"' EXIT

check() { echo "CHECK $1"; }
# output PATTERN CMD...: whether CMD's output matches (captured first: no SIGPIPE under pipefail).
output() { local pattern=$1 out; shift; out=$("$@" 2>&1) || true; grep -q -- "$pattern" <<<"$out"; }
fail() { echo "FAILED: $*" >&2; container_exec journalctl -u webprofiled --no-pager -n 50 >&2 || true; exit 1; }
inside() { container_exec "$@"; }
ctl() { inside webprofilectl "$@"; }

make -s -C "$ROOT" install DESTDIR="$STAGE" CONFIGURATION="${CONFIGURATION:-debug}" >/dev/null
# cracklib-runtime's dictionary lives under /var, which the container starts without: the
# package a real install depends on would have made it.
container_start wpsystem --overlay=/usr::/usr --bind-ro="$STAGE":/srv/stage --bind-ro=/var/cache/cracklib
inside bash -c 'cp -a /srv/stage/usr/. /usr/ && cp -a /srv/stage/etc/. /etc/'
# Cheap hashing so the scenario runs fast; everything else is the shipped configuration.
inside sed -i 's/^memory_kib = .*/memory_kib = 64/; s/^iterations = .*/iterations = 1/' /etc/webprofiled/webprofiled.toml
inside systemd-sysusers webprofiled.conf
inside systemd-tmpfiles --create webprofiled.conf
inside systemctl daemon-reload
inside systemctl start webprofiled.socket webprofiled-operator.socket
[ "$(inside systemctl is-active webprofiled.service || true)" = inactive ] || fail "service started before any call"
check "sockets listen, service not started yet"

output "status:  serving" ctl health || fail "health"
[ "$(inside systemctl is-active webprofiled.service)" = active ] || fail "service not started on demand"
check "first call starts the service and is answered"
[ "$(inside stat -c '%G %a' /run/webprofiled/webprofiled.sock)" = "webprofiled-clients 660" ] || fail "API socket group/mode"
[ "$(inside stat -c '%U %a' /run/webprofiled/operator.sock)" = "root 600" ] || fail "operator socket owner/mode"
check "socket permissions"

set -- $(ctl operator company create --name "Rossi S.r.l." --vat 01234567897 --rep-name "Mario Rossi" \
    --rep-fiscal-code RSSMRA80A01H501U --rep-email m@rossi.example --rep-username mario.rossi \
    --field company.companyId --field activationCode)
echo 'Systemd-Secret-42' | ctl activate "$2" --password-stdin >/dev/null
TOKEN=$(echo 'Systemd-Secret-42' | ctl login mario.rossi --password-stdin)
output "mario.rossi" ctl --token "$TOKEN" whoami || fail "whoami"
check "operator and user commands through the installed CLI"

# The metrics timer: enabled like a packaged timer, its service writes the textfile atomically.
inside mkdir -p /var/lib/prometheus/node-exporter
inside systemctl enable --now webprofiled-metrics.timer >/dev/null 2>&1 || fail "metrics timer not enabled"
inside systemctl start webprofiled-metrics.service || fail "metrics service failed"
PROM=/var/lib/prometheus/node-exporter/webprofiled.prom
output 'webprofiled_logins_total{outcome="success"} 1' inside cat "$PROM" || fail "metrics file lacks the login"
[ "$(inside stat -c '%a' "$PROM")" = 644 ] || fail "metrics file not world-readable"
[ -z "$(inside find /var/lib/prometheus/node-exporter -name '.*')" ] || fail "temporary file left behind"
inside cat "$PROM" | promtool check metrics || fail "promtool check metrics"
output "webprofiled-metrics.service" inside systemctl list-timers --all --no-pager || fail "timer not scheduled"
check "metrics timer writes the textfile for node_exporter"

PID1=$(inside systemctl show -p MainPID --value webprofiled)
# The logins above ran on the hashing threads: under the shipped sandbox they must really run at
# nice +10 (setpriority is allowed back after @resources is denied).
NICE=$(inside bash -c "for t in /proc/$PID1/task/*; do sed 's/.*) //' \$t/stat | cut -d' ' -f17; done" | sort -u | tr '\n' ' ')
grep -qw 10 <<<"$NICE" || fail "no hashing thread at nice 10 under the unit (niceness seen: $NICE)"
check "hashing threads run at nice +10 under the unit"
output "Max open files *16384 *16384" inside cat "/proc/$PID1/limits" || fail "LimitNOFILE not applied"
[ "$(inside systemctl show -p MemoryMax --value webprofiled)" = "$((768 << 20))" ] || fail "MemoryMax not applied"
[ "$(inside stat -c '%a' /var/lib/webprofiled/webprofiled.sqlite)" = 600 ] || fail "database file not 0600"
check "descriptor and memory limits applied, database private"

inside sed -i 's/^level = .*/level = "debug"/' /etc/webprofiled/webprofiled.toml
inside systemctl reload webprofiled
[ "$(inside systemctl show -p MainPID --value webprofiled)" = "$PID1" ] || fail "reload restarted the daemon"
ctl --token "$TOKEN" whoami >/dev/null || fail "session lost on reload"
output "configuration reloaded" inside journalctl -u webprofiled --no-pager || fail "reload not logged"
check "systemctl reload keeps the process and the sessions"

output 'Status: ".* connections, .* sessions in use"' inside systemctl status webprofiled --no-pager || fail "status line"
check "systemctl status shows the live status"
output "audit: login" inside journalctl -u webprofiled --no-pager || fail "audit entry in the journal"
[ -n "$(inside journalctl -u webprofiled -o json --no-pager WEBPROFILES_ACTION=companyCreated)" ] || fail "audit fields"
if output 'Systemd-Secret-42' inside journalctl --no-pager -o json; then fail "password in the journal"; fi
if output "$TOKEN" inside journalctl --no-pager -o json; then fail "token in the journal"; fi
check "journalctl -u webprofiled shows entries and audit fields, no secrets"

inside kill -9 "$PID1"
for _ in $(seq 100); do
    PID2=$(inside systemctl show -p MainPID --value webprofiled)
    [ "$PID2" != 0 ] && [ "$PID2" != "$PID1" ] && [ "$(inside systemctl is-active webprofiled)" = active ] && break
    sleep 0.1
done
[ "$PID2" != "$PID1" ] && [ "$PID2" != 0 ] || fail "not restarted after kill -9"
output "mario.rossi" ctl --token "$TOKEN" whoami || fail "session lost across kill -9"
check "kill -9: systemd restarts it and sessions survive"

# The sandbox really applies: the same settings on a probe (ExecStart replaced).
{
    echo "[Service]"
    sed -n '/^\[Service\]/,/^\[Install\]/p' "$ROOT/systemd/webprofiled.service" |
        grep -vE '^\[|^(Type|NotifyAccess|ExecStart|ExecReload|Sockets|Restart|RestartSec|WatchdogSec|TimeoutStopSec)='
    echo "Type=oneshot"
    echo "ExecStart=/bin/bash -c 'if exec 3<>/dev/tcp/127.0.0.1/9; then echo PROBE-TCP-OPENED; else echo PROBE-TCP-REFUSED; fi; if touch /etc/probe 2>/dev/null; then echo PROBE-ETC-WRITTEN; else echo PROBE-ETC-REFUSED; fi; if touch /var/lib/webprofiled/probe; then echo PROBE-STATE-WRITTEN; fi'"
} > "$STAGE/webprofiled-probe.service"
inside cp /srv/stage/webprofiled-probe.service /etc/systemd/system/
inside systemctl daemon-reload
inside systemctl start webprofiled-probe.service || true
PROBE=$(inside journalctl -u webprofiled-probe --no-pager)
grep -q PROBE-TCP-REFUSED <<<"$PROBE" || fail "the sandbox let the service open a TCP socket"
grep -q PROBE-ETC-REFUSED <<<"$PROBE" || fail "the sandbox let the service write /etc"
grep -q PROBE-STATE-WRITTEN <<<"$PROBE" || fail "the service cannot write its state directory"
check "sandbox: no TCP socket, no write outside the state directory"

# Idle exit: the daemon leaves when unused; the socket starts it again, sessions intact.
inside sed -i 's/^exit_when_idle = .*/exit_when_idle = 1/' /etc/webprofiled/webprofiled.toml
inside systemctl restart webprofiled.service
for _ in $(seq 100); do
    [ "$(inside systemctl is-active webprofiled.service || true)" = inactive ] && break
    sleep 0.1
done
[ "$(inside systemctl is-active webprofiled.service || true)" = inactive ] || fail "did not exit when idle"
output "mario.rossi" ctl --token "$TOKEN" whoami || fail "not restarted by the socket, or session lost"
check "idle exit, restarted by the next call with sessions intact"

inside systemctl stop webprofiled.service webprofiled.socket webprofiled-operator.socket
[ "$(inside systemctl is-active webprofiled.service || true)" = inactive ] || fail "still running after stop"
output "stopped" inside journalctl -u webprofiled --no-pager || fail "no clean stop logged"
check "systemctl stop stops it cleanly"

"""A real systemd-journald in a private mount namespace: the daemon's entries are read back
with journalctl -o json and their fields checked, audit events included; no secret appears."""
import json
import os
import subprocess
import tempfile

from conftest import CTL, DAEMON, FAST_HASHING, catalog_ids, needs_system

SCRIPT = r"""
set -euo pipefail
mount -t tmpfs tmpfs /run/systemd
mkdir -p /run/systemd/journal /run/log
mount -t tmpfs tmpfs /run/log
if [ -d /var/log/journal ]; then mount -t tmpfs tmpfs /var/log/journal; fi
/lib/systemd/systemd-journald >"$STATE/journald.out" 2>&1 &
JPID=$!
for i in $(seq 200); do [ -S /run/systemd/journal/socket ] && break; sleep 0.05; done
"$DAEMON" --state-directory "$STATE" --log-format journal --log-level debug $FAST &
DPID=$!
for i in $(seq 200); do [ -S "$STATE/operator.sock" ] && break; sleep 0.05; done
ctl() { "$CTL" --socket "$STATE/webprofiled.sock" --operator-socket "$STATE/operator.sock" "$@"; }
set -- $(ctl operator company create --name "Rossi S.r.l." --vat 01234567897 --rep-name "Mario Rossi" \
    --rep-fiscal-code RSSMRA80A01H501U --rep-email m@rossi.example --rep-username mario.rossi \
    --field company.companyId --field activationCode)
echo "CODE=$2"
ctl operator lines add "$1" +393331234567 >/dev/null
echo "$PASSWORD" | ctl activate "$2" --password-stdin >/dev/null
echo "wrong-password-123" | ctl login mario.rossi --password-stdin >/dev/null 2>&1 || true
TOKEN=$(echo "$PASSWORD" | ctl login mario.rossi --password-stdin)
echo "TOKEN=$TOKEN"
set -- $(ctl --token "$TOKEN" users register anna.bianchi --display-name Anna --email a@rossi.example \
    --profile adminLight --field registration.registrationId --field activationCode)
echo "CODE=$2"
ctl --token "$TOKEN" users set-profile "$1" user --line +393331234567 >/dev/null
ctl --token "$TOKEN" users revoke "$1" >/dev/null
ctl --token "$TOKEN" logout >/dev/null
kill -TERM $DPID
wait $DPID
journalctl --no-pager -o json > "$STATE/journal.json"
kill $JPID
"""


@needs_system
def test_journal_entries_and_audit_fields():
    state = tempfile.mkdtemp(prefix="wp-journal-")
    password = "Journal-Secret-Pw-42"
    env = dict(os.environ, STATE=state, DAEMON=DAEMON, CTL=CTL, FAST=" ".join(FAST_HASHING), PASSWORD=password,
               XDG_RUNTIME_DIR=state)
    run = subprocess.run(["unshare", "-m", "--propagation", "private", "bash", "-c", SCRIPT],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    secrets = [password] + [line.split("=", 1)[1] for line in run.stdout.splitlines() if "=" in line]
    assert len(secrets) == 4  # the password, two activation codes, the session token
    text = open(f"{state}/journal.json").read()
    entries = [json.loads(line) for line in text.splitlines() if line.strip()]
    ours = [e for e in entries if e.get("SYSLOG_IDENTIFIER") == "webprofiled"]
    assert ours, "no entry of webprofiled in the journal"

    # Every entry carries the standard fields; metadata keys are valid, prefixed field names.
    for e in ours:
        for field in ["MESSAGE", "PRIORITY", "CODE_FILE", "CODE_LINE", "CODE_FUNC"]:
            assert field in e, (field, e)
        for key in e:
            if not key.startswith("_") and key not in {"MESSAGE", "PRIORITY", "CODE_FILE", "CODE_LINE", "CODE_FUNC",
                                                       "SYSLOG_IDENTIFIER", "MESSAGE_ID"}:
                assert key.startswith("WEBPROFILES_") and key.replace("_", "").isalnum() and key.isupper(), key
    starting = next(e for e in ours if e["MESSAGE"] == "starting")
    assert starting["PRIORITY"] == "6" and starting["WEBPROFILES_VERSION"]
    assert any(e["PRIORITY"] == "7" for e in ours), "debug entries map to priority 7"

    # Audit events: a fixed MESSAGE_ID per kind and their fields.
    ids = catalog_ids()
    audits = [e for e in ours if "WEBPROFILES_ACTION" in e]
    actions = {e["WEBPROFILES_ACTION"] for e in audits}
    for action in ["companyCreated", "registered", "linesChanged", "activated", "loginFailed", "login", "profileChanged",
                   "revoked", "logout"]:
        assert action in actions, action
    for e in audits:
        assert e["MESSAGE_ID"] == ids[e["WEBPROFILES_ACTION"]]
        assert e["PRIORITY"] == "5" and e["WEBPROFILES_ACTOR"]
    change = next(e for e in audits if e["WEBPROFILES_ACTION"] == "profileChanged")
    assert change["WEBPROFILES_PROFILE_BEFORE"] == "adminLight" and change["WEBPROFILES_PROFILE_AFTER"] == "user"
    assert change["WEBPROFILES_TARGET"] and change["WEBPROFILES_COMPANY"]
    assert change["WEBPROFILES_ACTOR"].startswith("registration:")

    # No secret anywhere in the journal.
    for secret in secrets:
        assert secret and secret not in text, "a secret reached the journal"

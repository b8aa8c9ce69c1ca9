"""A real systemd (systemd-nspawn, booted on the host's /usr): install the build and units, start
the sockets, call through webprofilectl, reload, status, journal, kill -9 and restart with
sessions intact, the sandbox applied, stop. The scenario is Tests/System/real_systemd.sh."""
import subprocess

from conftest import ROOT, needs_system

EXPECTED = [
    "sockets listen, service not started yet",
    "first call starts the service and is answered",
    "socket permissions",
    "operator and user commands through the installed CLI",
    "metrics timer writes the textfile for node_exporter",
    "hashing threads run at nice +10 under the unit",
    "descriptor and memory limits applied, database private",
    "systemctl reload keeps the process and the sessions",
    "systemctl status shows the live status",
    "journalctl -u webprofiled shows entries and audit fields, no secrets",
    "kill -9: systemd restarts it and sessions survive",
    "sandbox: no TCP socket, no write outside the state directory",
    "idle exit, restarted by the next call with sessions intact",
    "systemctl stop stops it cleanly",
]


@needs_system
def test_under_a_real_systemd():
    run = subprocess.run(["bash", str(ROOT / "Tests" / "System" / "real_systemd.sh")], capture_output=True, text=True, timeout=600)
    passed = [line[len("CHECK "):] for line in run.stdout.splitlines() if line.startswith("CHECK ")]
    assert run.returncode == 0, f"passed: {passed}\nstderr:\n{run.stderr[-4000:]}"
    assert passed == EXPECTED

"""Operator/Metrics from the real daemon, through the real CLI: the text passes `promtool check
metrics` (Debian's prometheus package), counts what the test did, and `--output` replaces the
textfile atomically, world-readable whatever the umask, leaving no temporary file behind."""
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "Interop"))

from wp_daemon import FAST_HASHING, LOGIN, SESSION, Company, Daemon  # noqa: E402

CTL = os.environ.get("WEBPROFILECTL", str(ROOT / ".build" / "debug" / "webprofilectl"))
PROMTOOL = shutil.which("promtool")


@pytest.fixture(scope="module")
def daemon():
    d = Daemon(*FAST_HASHING, "--lockout-threshold", "3")
    yield d
    d.stop()


def ctl(daemon, *args, umask=None):
    return subprocess.run([CTL, "--operator-socket", daemon.operator, "--socket", daemon.api, *args], capture_output=True, text=True,
                          preexec_fn=(lambda: os.umask(umask)) if umask is not None else None, timeout=30)


def sample(text, series):
    """The value of one series, written exactly as `name{labels}`."""
    match = re.search("^" + re.escape(series) + r" (\S+)$", text, re.M)
    assert match, f"{series} not in the metrics"
    return float(match.group(1))


def test_metrics_count_what_happened_and_pass_promtool(daemon, tmp_path):
    company = Company(daemon, n=41)
    for _ in range(4):
        status, answer = daemon.call(SESSION + "Authorize", {"permission": "users.manage"},
                                     metadata={"authorization": "Bearer " + company.rep_token})
        assert status == "OK" and answer["allowed"] is True
    company.register("anna.metrics", "adminLight")
    for _ in range(3):
        status, _ = daemon.call(LOGIN, {"username": "anna.metrics", "password": "wrong-guess-1"})
        assert status == "UNAUTHENTICATED"
    run = ctl(daemon, "operator", "metrics")
    assert run.returncode == 0, run.stderr
    text = run.stdout
    assert sample(text, 'webprofiled_logins_total{outcome="failed"}') == 3
    assert sample(text, "webprofiled_lockouts_total") == 1
    assert sample(text, 'webprofiled_rpc_duration_seconds_count{method="webprofiles.v1.Session/Authorize",code="OK"}') == 4
    assert sample(text, 'webprofiled_connections{socket="operator"}') == 1
    assert sample(text, "webprofiled_storage_healthy") == 1
    assert sample(text, "webprofiled_sessions_live") >= 1
    if PROMTOOL is None:
        pytest.fail("promtool is missing (Debian's prometheus package; scripts/ensure-deps.sh --test installs it)")
    check = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True)
    print(f"promtool check metrics: exit {check.returncode}, {len(text.splitlines())} lines")
    assert check.returncode == 0, check.stdout + check.stderr


def test_output_replaces_the_file_atomically_and_readably(daemon, tmp_path):
    target = tmp_path / "webprofiled.prom"
    target.write_text("old contents\n")
    os.chmod(target, 0o600)
    inode = target.stat().st_ino
    run = ctl(daemon, "operator", "metrics", "--output", str(target), umask=0o077)
    assert run.returncode == 0 and run.stdout == "", run.stderr
    assert target.stat().st_ino != inode, "written in place, not renamed over"
    assert target.stat().st_mode & 0o777 == 0o644
    assert "# TYPE webprofiled_rpc_duration_seconds histogram" in target.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["webprofiled.prom"]


def test_output_into_a_missing_folder_is_a_usage_error(daemon, tmp_path):
    run = ctl(daemon, "operator", "metrics", "--output", str(tmp_path / "nowhere" / "webprofiled.prom"))
    assert run.returncode == 64 or run.returncode == 2, (run.returncode, run.stderr)
    assert "does not exist" in run.stderr


def test_the_api_socket_does_not_serve_metrics(daemon):
    status, answer = daemon.call("webprofiles.v1.Operator/Metrics", {})
    assert status == "PERMISSION_DENIED", (status, answer)

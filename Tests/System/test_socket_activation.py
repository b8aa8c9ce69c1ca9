"""systemd-socket-activate passes two named sockets; a NOTIFY_SOCKET the test listens on sees
READY, STATUS, WATCHDOG, RELOADING and STOPPING in order; the first call is answered."""
import os
import signal
import socket
import subprocess
import tempfile
import time

from conftest import CTL, DAEMON, FAST_HASHING, needs_system
from wp_client import Connection

HEALTH = "webprofiles.v1.Health/Check"


class Notifications:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.messages = []

    def collect(self, until, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except socket.timeout:
                pass
            if until(self.messages):
                return True
        return False

    def keys(self):
        """Each message's first KEY, in order of arrival."""
        return [m.split("\n")[0].split("=")[0] for m in self.messages]


def wait_for_socket(path, timeout=10):
    deadline = time.time() + timeout
    while not os.path.exists(path):
        assert time.time() < deadline, f"{path} did not appear"
        time.sleep(0.02)


@needs_system
def test_socket_activation_readiness_watchdog_reload_stop():
    tmp = tempfile.mkdtemp(prefix="wp-activate-")
    api, op, notify = f"{tmp}/api.sock", f"{tmp}/operator.sock", f"{tmp}/notify.sock"
    notes = Notifications(notify)
    proc = subprocess.Popen(
        ["systemd-socket-activate", "-l", api, "-l", op, "--fdname=api:operator",
         "-E", f"NOTIFY_SOCKET={notify}", "-E", "WATCHDOG_USEC=1000000",
         DAEMON, "--state-directory", tmp, "--log-format", "text"] + FAST_HASHING,
        stderr=subprocess.PIPE, text=True)
    try:
        wait_for_socket(api)
        wait_for_socket(op)
        # The daemon is started by this very connection: its first call must be answered.
        c = Connection(api, timeout=20)
        c.hello()
        status, message = c.call(HEALTH, {})
        assert status == "OK" and message["status"] == "serving"
        c.close()
        assert notes.collect(lambda m: any(x.startswith("READY=1") for x in m) and any("WATCHDOG=1" in x for x in m))
        ready = next(x for x in notes.messages if x.startswith("READY=1"))
        assert "STATUS=" in ready and "connections" in ready
        # SIGHUP: RELOADING=1 then READY=1, connections kept.
        kept = Connection(api)
        kept.hello()
        proc.send_signal(signal.SIGHUP)
        assert notes.collect(lambda m: "RELOADING" in [x.split("=")[0] for x in m] and
                             [x.split("\n")[0] for x in m][[x.split("=")[0] for x in m].index("RELOADING"):].count("READY=1") >= 1)
        assert kept.call(HEALTH, {})[0] == "OK"
        # The operator socket asks for the same reload.
        out = subprocess.run([CTL, "--operator-socket", op, "operator", "reload"], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        kept.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert notes.collect(lambda m: any(x.startswith("STOPPING=1") for x in m), timeout=5)
        keys = notes.keys()
        assert keys.index("READY") < keys.index("WATCHDOG") < keys.index("RELOADING") < len(keys) - 1
        after_reload = keys[keys.index("RELOADING"):]
        assert "READY" in after_reload and after_reload.index("READY") < after_reload.index("STOPPING")
        assert keys[-1] in ("STOPPING", "STATUS") and "STOPPING" in keys
        assert any(k == "STATUS" for k in keys)
    finally:
        if proc.poll() is None:
            proc.kill()


def refused_start(first_listen, fdnames):
    """Activates the daemon with a first socket `first_listen` and a Unix socket named by
    `fdnames`; returns its exit status and standard error."""
    tmp = tempfile.mkdtemp(prefix="wp-activate-")
    proc = subprocess.Popen(
        ["systemd-socket-activate", "-l", first_listen(tmp), "-l", f"{tmp}/b.sock", f"--fdname={fdnames}",
         DAEMON, "--state-directory", tmp] + FAST_HASHING, stderr=subprocess.PIPE, text=True)
    wait_for_socket(f"{tmp}/b.sock")
    s = socket.socket(socket.AF_UNIX)
    s.connect(f"{tmp}/b.sock")  # socket-activate starts the daemon on the first connection
    status = proc.wait(timeout=20)
    return status, proc.stderr.read()


@needs_system
def test_refuses_sockets_without_the_expected_names():
    status, stderr = refused_start(lambda tmp: f"{tmp}/a.sock", "foo:operator")
    assert status != 0
    assert 'no socket named "api"' in stderr


@needs_system
def test_refuses_a_socket_that_is_not_unix():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    status, stderr = refused_start(lambda tmp: f"127.0.0.1:{port}", "api:operator")
    assert status != 0
    assert "not a listening Unix stream socket" in stderr


@needs_system
def test_exit_when_idle_and_restart_on_the_next_call():
    tmp = tempfile.mkdtemp(prefix="wp-idle-")
    api, op = f"{tmp}/api.sock", f"{tmp}/operator.sock"
    # The daemon leaves by itself once idle (that systemd then restarts it on the next call, with
    # sessions intact, is checked under a real systemd in test_real_systemd.py).
    proc = subprocess.Popen(
        ["systemd-socket-activate", "-l", api, "-l", op, "--fdname=api:operator",
         DAEMON, "--state-directory", tmp, "--exit-when-idle", "1"] + FAST_HASHING, stderr=subprocess.PIPE, text=True)
    wait_for_socket(api)
    c = Connection(api, timeout=20)
    c.hello()
    assert c.call(HEALTH, {})[0] == "OK"
    c.close()
    assert proc.wait(timeout=20) == 0

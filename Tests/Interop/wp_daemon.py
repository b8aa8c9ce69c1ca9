"""The real webprofiled binary driven from Python: a daemon on a temporary state folder, a company
made through the API, and the helpers the Python suites (Tests/Hostile, Tests/Distributed) share."""
import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "Interop"))

import wp_schema  # noqa: E402
from wp_client import Connection  # noqa: E402

# Every request these suites mean to be valid and every frame the daemon sends them is checked
# against Protocol/webprofiles.cddl.
wp_schema.install()

DAEMON = os.environ.get("WEBPROFILED", str(ROOT / ".build" / "debug" / "webprofiled"))
FAST_HASHING = ["--argon2-memory-kib", "64", "--argon2-iterations", "1"]
HEALTH = "webprofiles.v1.Health/Check"
LOGIN = "webprofiles.v1.Session/Login"
ROOT_USER = os.geteuid() == 0
SYSTEM_TESTS = os.environ.get("CI") == "true" or os.environ.get("WEBPROFILES_SYSTEM_TESTS") == "1"


def proc_status(pid, field):
    """A /proc/PID/status field in KiB (VmRSS, VmHWM) or as an integer."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


class Daemon:
    """The real binary on a temporary state folder."""

    def __init__(self, *args, env=None, preexec_fn=None, state=None, wrapper=()):
        self.state = state or tempfile.mkdtemp(prefix="wp-hostile-")
        self.api = os.path.join(self.state, "webprofiled.sock")
        self.operator = os.path.join(self.state, "operator.sock")
        self.log_path = os.path.join(self.state, "daemon.log")
        self.args = list(args)
        self.env = env
        self.preexec_fn = preexec_fn
        self.wrapper = list(wrapper)
        self.proc = None
        self.start()

    def start(self):
        log = open(self.log_path, "ab")
        environment = dict(os.environ, **(self.env or {}))
        self.proc = subprocess.Popen(self.wrapper + [DAEMON, "--state-directory", self.state, "--log-format", "text"] + self.args,
                                     stdout=log, stderr=log, env=environment, preexec_fn=self.preexec_fn)
        deadline = time.time() + 20
        while not (self.accepts(self.api) and self.accepts(self.operator)):
            if self.proc.poll() is not None:
                raise RuntimeError("daemon exited: " + self.log())
            if time.time() > deadline:
                raise RuntimeError("daemon did not start: " + self.log())
            time.sleep(0.02)

    @staticmethod
    def accepts(path):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return True
        except OSError:
            return False
        finally:
            s.close()

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    @property
    def pid(self):
        """The daemon's pid (under a wrapper such as strace, the wrapper's child)."""
        if not self.wrapper:
            return self.proc.pid
        with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as f:
            return int(f.read().split()[0])

    def rss_kib(self):
        return proc_status(self.pid, "VmRSS")

    def peak_rss_kib(self):
        return proc_status(self.pid, "VmHWM")

    def reset_peak_rss(self):
        """Resets VmHWM to the current RSS (Linux: write 5 to clear_refs)."""
        try:
            with open(f"/proc/{self.pid}/clear_refs", "w") as f:
                f.write("5")
            return True
        except OSError:
            return False

    def connect(self, which="api", timeout=10.0, hello=True):
        c = Connection(self.operator if which == "operator" else self.api, timeout=timeout)
        if hello:
            c.hello()
        return c

    def call(self, method, message, which="api", **kwargs):
        if which == "operator":
            # Operator writes name the desk agent making them.
            kwargs["metadata"] = {"operator-agent": "hostile-suite", **(kwargs.get("metadata") or {})}
        c = self.connect(which)
        try:
            return c.call(method, message, **kwargs)
        finally:
            c.close()

    def health(self, which="api"):
        status, message = self.call(HEALTH, {}, which)
        assert status == "OK", message
        return message

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.pid, 15)
            try:
                return self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                return self.proc.wait()
        return self.proc.returncode if self.proc else None

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


OPERATOR = "webprofiles.v1.Operator/"
PROFILES = "webprofiles.v1.Profiles/"
SESSION = "webprofiles.v1.Session/"
PASSWORD = "Correct-Horse-Battery-9"


def vat_number(n):
    """A valid partita IVA derived from n."""
    digits = [int(c) for c in f"{n:010d}"]
    total = 0
    for i, d in enumerate(digits):
        if i % 2 == 0:
            total += d
        else:
            total += d * 2 - 9 if d * 2 > 9 else d * 2
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def ok(result):
    status, message = result
    assert status == "OK", message
    return message


class Company:
    """A company with an active legal representative logged in, made through the real API."""

    def __init__(self, daemon, n=1, lines=("+393331234567", "+393339876543"), activate=True):
        self.daemon = daemon
        rep = f"rep{n}.rossi"
        created = ok(daemon.call(OPERATOR + "CreateCompany", {
            "name": f"Rossi {n} S.r.l.", "vatNumber": vat_number(1000 + n),
            "legalRepresentative": {"fullName": "Mario Rossi", "fiscalCode": "RSSMRA80A01H501U",
                                    "email": f"mario{n}@rossi.example", "username": rep}}, "operator"))
        self.company_id = created["company"]["companyId"]
        if lines:
            ok(daemon.call(OPERATOR + "AddLines", {"companyId": self.company_id,
                                                  "lines": [{"msisdn": line, "kind": "mobile"} for line in lines]},
                           "operator"))
        self.activation_code = created["activationCode"]
        if activate:
            ok(daemon.call(SESSION + "Activate", {"activationCode": created["activationCode"], "password": PASSWORD}))
            self.rep_token = self.login(rep)

    def login(self, username, password=PASSWORD):
        return ok(self.daemon.call(SESSION + "Login", {"username": username, "password": password}))["sessionToken"]

    def as_rep(self, method, message):
        return self.daemon.call(method, message, metadata={"authorization": "Bearer " + self.rep_token})

    def register(self, username, profile="adminFull", activate=True, **extra):
        created = ok(self.as_rep(PROFILES + "RegisterUser", dict({
            "username": username, "displayName": username.title(), "email": f"{username}@rossi.example",
            "profile": profile}, **extra)))
        if activate:
            ok(self.daemon.call(SESSION + "Activate", {"activationCode": created["activationCode"], "password": PASSWORD}))
        return created

    def audit(self, **filters):
        events, token = [], None
        while True:
            message = dict(filters, companyId=self.company_id, pageSize=500)
            if token:
                message["pageToken"] = token
            page = ok(self.daemon.call(OPERATOR + "ListAuditEvents", message, "operator"))
            events += page["events"]
            token = page.get("nextPageToken")
            if not token:
                return events

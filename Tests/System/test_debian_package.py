"""The Debian package, as a sysadmin meets it: `make deb` (or the .deb WEBPROFILES_DEB names, to
avoid a rebuild), checked by lintian, then installed with dpkg into a systemd booted with
systemd-nspawn from the host's / (Tests/System/container.sh: a volatile tmpfs root, the host's
/usr under a throw-away overlay) in which the Swift toolchain is hidden. The sockets are enabled
and listen while the service waits for its first call; a company is created through the
operator socket; an upgrade to a higher version keeps it and the administrator's edit of the
conffile; remove keeps the state and the configuration; purge removes them.

The container starts with the host's dpkg database copied in (a copy: the host's is never
written), so that dpkg sees the C libraries the package depends on as installed, which they are:
/usr is the host's. cracklib-runtime's dictionary is generated into /var, which the volatile root
starts without: it is bound in from the host, as the installed dependency would have made it."""
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import tempfile

import pytest

from conftest import ROOT, needs_system

CONTAINER_SH = ROOT / "Tests" / "System" / "container.sh"
NAME = "wpdeb"
SWIFT_CORE = "/opt/swift/usr/lib/swift/linux/libswiftCore.so"
UPGRADE_SUFFIX = "+upgradetest1"
UNITS = ["webprofiled.service", "webprofiled.socket", "webprofiled-operator.socket",
         "webprofiled-metrics.timer", "webprofiled-metrics.service"]
PROM_FILE = "/var/lib/prometheus/node-exporter/webprofiled.prom"
COMPANY = ["--name", "Rossi S.r.l.", "--vat", "01234567897", "--rep-name", "Mario Rossi",
           "--rep-fiscal-code", "RSSMRA80A01H501U", "--rep-email", "m@rossi.example",
           "--rep-username", "mario.rossi", "--agent", "desk.test", "--ticket", "DEB-1"]


@pytest.fixture(scope="module")
def deb():
    """The package under test: WEBPROFILES_DEB, or what `make deb` builds."""
    given = os.environ.get("WEBPROFILES_DEB")
    if given:
        path = pathlib.Path(given).resolve()
        assert path.is_file(), f"WEBPROFILES_DEB={given}: no such file"
        return path
    run = subprocess.run(["make", "-s", "-C", str(ROOT), "deb"], capture_output=True, text=True, timeout=3600)
    assert run.returncode == 0, f"make deb failed:\n{run.stdout[-3000:]}\n{run.stderr[-6000:]}"
    path = pathlib.Path(run.stdout.strip().splitlines()[-1])
    assert path.is_file() and re.fullmatch(r"webprofiled_[^_]+_[a-z0-9]+\.deb", path.name), run.stdout[-2000:]
    return path


def field(deb_path, name):
    return subprocess.run(["dpkg-deb", "--field", str(deb_path), name], capture_output=True, text=True,
                          check=True).stdout.strip()


def repack_with_higher_version(deb_path, into):
    """The same package with the version VERSION+upgradetest1: an upgrade as dpkg sees one."""
    tree = into / "tree"
    subprocess.run(["dpkg-deb", "-R", str(deb_path), str(tree)], check=True)
    control = tree / "DEBIAN" / "control"
    version = field(deb_path, "Version")
    text = control.read_text()
    assert f"\nVersion: {version}\n" in text
    control.write_text(text.replace(f"\nVersion: {version}\n", f"\nVersion: {version}{UPGRADE_SUFFIX}\n"))
    out = into / f"webprofiled_{version}{UPGRADE_SUFFIX}_{field(deb_path, 'Architecture')}.deb"
    # gzip -1: xz at its default level takes minutes for the 140 MB of binaries.
    subprocess.run(["dpkg-deb", "--build", "--root-owner-group", "-Zgzip", "-z1", str(tree), str(out)],
                   check=True, capture_output=True)
    shutil.rmtree(tree)
    return out


class Container:
    """A systemd booted by Tests/System/container.sh; run() is its container_exec."""

    def __init__(self, name, nspawn_args):
        self.name = name
        script = (f"source {shlex.quote(str(CONTAINER_SH))} && container_start {name} "
                  + " ".join(shlex.quote(a) for a in nspawn_args) + ' && echo "WPC_PID=$WPC_PID"')
        run = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=180)
        assert run.returncode == 0, f"container did not boot:\n{run.stderr[-4000:]}"
        self.pid = re.search(r"^WPC_PID=(\d+)$", run.stdout, re.M).group(1)

    def _bash(self, script, timeout):
        env = dict(os.environ, WPC_NAME=self.name, WPC_PID=self.pid)
        return subprocess.run(["bash", "-c", f"source {shlex.quote(str(CONTAINER_SH))} && {script}"],
                              capture_output=True, text=True, timeout=timeout, env=env)

    def run(self, *cmd, timeout=180):
        return self._bash("container_exec " + " ".join(shlex.quote(c) for c in cmd), timeout)

    def ok(self, *cmd, timeout=180):
        """stdout of a command that must succeed."""
        r = self.run(*cmd, timeout=timeout)
        assert r.returncode == 0, f"{' '.join(cmd)} exited {r.returncode}:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
        return r.stdout

    def sh(self, script, timeout=180):
        return self.ok("bash", "-c", script, timeout=timeout)

    def succeeds(self, *cmd):
        return self.run(*cmd).returncode == 0

    def state(self, verb, unit):
        return self.run("systemctl", verb, unit).stdout.strip()

    def diagnostics(self):
        r = self.run("bash", "-c", "systemctl --no-pager --all list-units 'webprofiled*'; "
                     "journalctl --no-pager -n 60 -u 'webprofiled*'; tail -n 20 /var/log/dpkg.log")
        return r.stdout[-6000:]

    def stop(self):
        self._bash("container_stop", timeout=120)


@needs_system
def test_lintian_is_clean(deb):
    """lintian finds no error and no warning (the overrides in debian/*.lintian-overrides say why
    each is there); informational tags are printed, not failed on."""
    run = subprocess.run(["lintian", "--fail-on", "error,warning", "--display-info", "--show-overrides",
                          str(deb)], capture_output=True, text=True, timeout=900)
    print(run.stdout)
    assert run.returncode == 0, f"lintian:\n{run.stdout}\n{run.stderr}"
    assert not re.search(r"^[EW]: ", run.stdout, re.M), run.stdout


@needs_system
def test_binaries_need_no_swift_runtime(deb):
    """The binaries link no Swift library dynamically, and run with /opt/swift hidden."""
    with tempfile.TemporaryDirectory(prefix="wp-deb-x-") as tmp:
        subprocess.run(["dpkg-deb", "-x", str(deb), tmp], check=True)
        for binary in ["usr/sbin/webprofiled", "usr/bin/webprofilectl"]:
            path = f"{tmp}/{binary}"
            ldd = subprocess.run(["ldd", path], capture_output=True, text=True, check=True).stdout
            print(f"ldd {binary}:\n{ldd}")
            assert "not found" not in ldd, ldd
            assert not re.search(r"libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime", ldd), ldd
            hidden = subprocess.run(["unshare", "--mount", "bash", "-c",
                                     f"mount -t tmpfs none /opt/swift && test ! -e {SWIFT_CORE} && {path} --version"],
                                    capture_output=True, text=True, timeout=60)
            assert hidden.returncode == 0, hidden.stderr
            assert hidden.stdout.strip() == field(deb, "Version").split("-")[0], hidden.stdout


@needs_system
def test_install_call_upgrade_remove_purge(deb):
    version = field(deb, "Version")
    assert os.path.exists(SWIFT_CORE), "the host has no Swift runtime: the check that it is hidden would prove nothing"
    work = pathlib.Path(tempfile.mkdtemp(prefix="wp-deb-"))
    c = None
    try:
        first = work / f"webprofiled_{version}_{field(deb, 'Architecture')}.deb"
        shutil.copy(deb, first)
        upgrade = repack_with_higher_version(deb, work)
        assert upgrade != first
        c = Container(NAME, [
            "--overlay=/usr::/usr",                  # dpkg writes /usr; the upper layer is thrown away
            "--inaccessible=/opt/swift",             # over container.sh's bind of the toolchain
            f"--bind-ro={work}:/srv/deb",
            "--bind-ro=/var/lib/dpkg:/srv/host-dpkg",
            "--bind-ro=/var/cache/cracklib",
        ])
        try:
            _scenario(c, version, first.name, upgrade.name)
        except AssertionError as failure:
            raise AssertionError(f"{failure}\n--- container state ---\n{c.diagnostics()}") from None
    finally:
        if c is not None:
            c.stop()
        shutil.rmtree(work, ignore_errors=True)


def _scenario(c, version, deb_name, upgrade_name):
    # No Swift toolchain or runtime inside.
    assert not c.succeeds("bash", "-c", "command -v swift swiftc"), "swift is reachable in the container"
    assert not c.succeeds("test", "-e", SWIFT_CORE), "libswiftCore is reachable in the container"
    assert c.sh("find /usr /opt -name 'libswiftCore*' -print -quit") == ""
    # The host's dpkg database, copied. Its statoverride file names users and groups the host's
    # packages made (ssl-cert, postgres, ...) for paths under the host's /etc and /var: the
    # container has neither, and dpkg refuses to run on an override whose group is unknown, so
    # the copy starts without overrides. policy-rc.d of the host image (a Docker build
    # convention: exit 101, start nothing) is removed from the throw-away /usr layer: a real
    # system has none.
    c.sh("cp -a /srv/host-dpkg/. /var/lib/dpkg/ && : > /var/lib/dpkg/statoverride && rm -f /usr/sbin/policy-rc.d")
    assert c.run("dpkg-query", "-W", "webprofiled").returncode != 0, "webprofiled already installed on the host"

    # --- install ---
    c.ok("dpkg", "-i", f"/srv/deb/{deb_name}", timeout=300)
    assert c.ok("dpkg-query", "-W", "-f", "${Status} ${Version}", "webprofiled") == f"install ok installed {version}"
    for sock in ["webprofiled.socket", "webprofiled-operator.socket"]:
        assert c.state("is-enabled", sock) == "enabled", sock
        assert c.state("is-active", sock) == "active", sock
    assert c.state("is-active", "webprofiled.service") == "inactive", "the package started the service directly"
    # The metrics timer is opt-in (README: systemctl enable --now webprofiled-metrics.timer).
    assert c.state("is-enabled", "webprofiled-metrics.timer") == "disabled"
    assert c.state("is-active", "webprofiled-metrics.timer") == "inactive"
    assert c.sh("stat -c '%U:%G %a' /run/webprofiled/webprofiled.sock").strip() == "root:webprofiled-clients 660"
    assert c.sh("stat -c '%U:%G %a' /run/webprofiled/operator.sock").strip() == "root:root 600"
    assert c.succeeds("getent", "passwd", "webprofiled") and c.succeeds("getent", "group", "webprofiled-clients")
    conffiles = c.ok("dpkg-query", "-W", "-f", "${Conffiles}", "webprofiled")
    assert "/etc/webprofiled/webprofiled.toml" in conffiles, conffiles
    # systemd's dpkg trigger on /usr/lib/systemd/catalog ran journalctl --update-catalog.
    assert "webprofiled: A company was created" in c.ok("journalctl", "--list-catalog")
    for path in ["/usr/share/man/man8/webprofiled.8.gz", "/usr/share/man/man1/webprofilectl.1.gz",
                 "/usr/share/doc/webprofiled/examples/webprofiled-postgresql.conf.example",
                 "/usr/share/doc/webprofiled/copyright", "/usr/share/doc/webprofiled/changelog.gz"]:
        assert c.succeeds("test", "-f", path), path
    ldd = c.ok("ldd", "/usr/sbin/webprofiled")
    assert "not found" not in ldd and "swift" not in ldd.lower(), ldd

    # --- the first call starts the service ---
    assert "status:  serving" in c.ok("webprofilectl", "health")
    assert c.state("is-active", "webprofiled.service") == "active"
    company = c.ok("webprofilectl", "operator", "company", "create", *COMPANY, "--field", "company.companyId").strip()
    assert company, "no company id"
    assert company in c.ok("webprofilectl", "operator", "company", "find", "--vat", "01234567897")
    assert c.sh("stat -c '%U %a' /var/lib/webprofiled/webprofiled.sqlite").strip() == "webprofiled 600"
    # The administrator turns the metrics on where node_exporter's textfile collector reads.
    c.sh("mkdir -p /var/lib/prometheus/node-exporter && systemctl enable --now webprofiled-metrics.timer"
         " && systemctl start webprofiled-metrics.service")
    assert "webprofiled_" in c.ok("cat", PROM_FILE)
    # The administrator's edit of the conffile (applied by reload).
    c.sh("sed -i 's/^level = .*/level = \"debug\"/' /etc/webprofiled/webprofiled.toml && systemctl reload webprofiled")
    pid_before = c.ok("systemctl", "show", "-p", "MainPID", "--value", "webprofiled.service").strip()
    assert pid_before != "0"

    # --- upgrade to a higher version ---
    c.ok("dpkg", "-i", f"/srv/deb/{upgrade_name}", timeout=300)
    assert c.ok("dpkg-query", "-W", "-f", "${Status} ${Version}", "webprofiled") == \
        f"install ok installed {version}{UPGRADE_SUFFIX}"
    pid_after = c.ok("systemctl", "show", "-p", "MainPID", "--value", "webprofiled.service").strip()
    assert pid_after != pid_before, "the running daemon was not restarted by the upgrade"
    for sock in ["webprofiled.socket", "webprofiled-operator.socket"]:
        assert c.state("is-enabled", sock) == "enabled", sock
        assert c.state("is-active", sock) == "active", sock
    assert 'level = "debug"' in c.ok("cat", "/etc/webprofiled/webprofiled.toml"), "conffile edit lost on upgrade"
    assert c.state("is-enabled", "webprofiled-metrics.timer") == "enabled", "the upgrade undid the timer's enablement"
    assert c.state("is-active", "webprofiled-metrics.timer") == "active"
    assert not c.succeeds("bash", "-c", "ls /etc/webprofiled/*.dpkg-*"), "dpkg left a conffile copy"
    assert company in c.ok("webprofilectl", "operator", "company", "find", "--vat", "01234567897"), \
        "the company did not survive the upgrade"

    # --- remove: the state and the configuration stay ---
    c.ok("dpkg", "-r", "webprofiled", timeout=300)
    assert c.ok("dpkg-query", "-W", "-f", "${Status}", "webprofiled") == "deinstall ok config-files"
    for unit in UNITS:
        assert c.state("is-active", unit) == "inactive", unit
    assert not c.succeeds("test", "-e", "/usr/sbin/webprofiled")
    assert not c.succeeds("test", "-e", "/run/webprofiled"), "remove left the socket folder"
    assert c.succeeds("test", "-s", "/var/lib/webprofiled/webprofiled.sqlite"), "remove deleted the database"
    assert 'level = "debug"' in c.ok("cat", "/etc/webprofiled/webprofiled.toml"), "remove deleted the configuration"
    # Installed again, it finds its data.
    c.ok("dpkg", "-i", f"/srv/deb/{upgrade_name}", timeout=300)
    assert company in c.ok("webprofilectl", "operator", "company", "find", "--vat", "01234567897"), \
        "the company did not survive remove and reinstall"

    # --- purge: state, configuration and the units' enablement go; the system user stays ---
    c.ok("dpkg", "-P", "webprofiled", timeout=300)
    assert c.run("dpkg-query", "-W", "-f", "${Status}", "webprofiled").stdout in ("", "unknown ok not-installed")
    assert not c.succeeds("test", "-e", "/var/lib/webprofiled"), "purge kept /var/lib/webprofiled"
    assert not c.succeeds("test", "-e", "/etc/webprofiled"), "purge kept /etc/webprofiled"
    assert c.sh("ls /etc/systemd/system/sockets.target.wants/ /etc/systemd/system/timers.target.wants/"
                " 2>/dev/null | grep webprofiled || true") == "", "purge left enablement symlinks"
    assert c.sh("d=/var/lib/systemd/deb-systemd-helper-enabled; test ! -d $d || find $d -name '*webprofiled*'") == ""
    for unit in UNITS:
        assert c.state("is-active", unit) == "inactive", unit
    # The trigger ran again for the removed catalog file.
    assert "webprofiled:" not in c.ok("journalctl", "--list-catalog"), "the catalog still has the audit events"
    # Debian keeps system users on purge (files they own may remain; ids are not reused).
    assert c.succeeds("getent", "passwd", "webprofiled"), "purge removed the system user (Debian keeps them)"

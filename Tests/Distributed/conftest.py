"""Several webprofiled daemons on one PostgreSQL database, as the portal's hosts run them: the
real binary, the PostgreSQL server scripts/postgres.sh started (WEBPROFILES_TEST_POSTGRES names
its socket folder), faults injected by pid. Each bound is measured over many trials and printed
at the end; only the bound is asserted."""
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "Tests" / "Interop"))

from wp_daemon import FAST_HASHING, Daemon, percentile  # noqa: E402

SOCKET_DIR = os.environ.get("WEBPROFILES_TEST_POSTGRES", "")
PG_BIN = "/usr/lib/postgresql/15/bin"
BOUND_MS = 100.0

FIGURES = []


def figure(name, value):
    FIGURES.append((name, value))


def latency_figure(name, samples):
    figure(name, f"n={len(samples)} p50 {percentile(samples, 50):.2f} ms, p99 {percentile(samples, 99):.2f} ms, "
                 f"max {max(samples):.2f} ms")


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("several daemons on one PostgreSQL (measured on this run)")
        for name, value in FIGURES:
            terminalreporter.write_line(f"{name}: {value}")


def pytest_collection_modifyitems(config, items):
    if SOCKET_DIR:
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError("CI=true but WEBPROFILES_TEST_POSTGRES is not set: scripts/test.sh starts PostgreSQL")
    skip = pytest.mark.skip(reason="SKIPPED LOUDLY: no PostgreSQL (run scripts/test.sh, which starts one)")
    for item in items:
        item.add_marker(skip)


def as_postgres(args, **kwargs):
    """Runs a PostgreSQL server command as the postgres user (the server refuses root)."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--"] + args
    elif os.environ.get("USER") != "postgres":
        args = ["sudo", "-u", "postgres", "--"] + args
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


class Postgres:
    """The test server: SQL through psql, its processes, stop and start."""

    def __init__(self, socket_dir):
        self.socket_dir = socket_dir
        self.data_dir = str(pathlib.Path(socket_dir).parent / "data")

    def sql(self, statement, database="postgres"):
        """Rows of `statement` as lists of text (psql, unaligned)."""
        out = subprocess.run(["psql", "-h", self.socket_dir, "-U", "webprofiled", "-d", database, "-XAtq",
                              "-v", "ON_ERROR_STOP=1", "-F", "\t", "-c", statement],
                             check=True, capture_output=True, text=True, timeout=60).stdout
        return [line.split("\t") for line in out.splitlines() if line]

    def create_database(self):
        name = "wp_distributed_" + uuid.uuid4().hex[:12]
        for _ in range(50):
            try:
                self.sql(f"CREATE DATABASE {name}")
                return name
            except subprocess.CalledProcessError as error:
                if "being accessed by other users" not in error.stderr:
                    raise
                time.sleep(0.05)
        raise RuntimeError("could not create a database")

    def postmaster_pid(self):
        with open(os.path.join(self.data_dir, "postmaster.pid")) as f:
            return int(f.readline())

    def server_pids(self):
        """The postmaster and every process it forked (backends, writer, checkpointer...)."""
        master = self.postmaster_pid()
        pids = [master]
        with open(f"/proc/{master}/task/{master}/children") as f:
            pids += [int(p) for p in f.read().split()]
        return pids

    def backend_pid(self, application_name, database):
        rows = self.sql(f"SELECT pid FROM pg_stat_activity WHERE application_name = '{application_name}' "
                        f"AND datname = '{database}'")
        return int(rows[0][0]) if rows else None

    def stop_immediately(self):
        as_postgres([PG_BIN + "/pg_ctl", "-D", self.data_dir, "-m", "immediate", "stop"])

    def start(self):
        as_postgres([PG_BIN + "/pg_ctl", "-D", self.data_dir, "-w", "-l", self.data_dir + "/server.log",
                     "-o", f"-c listen_addresses='' -c unix_socket_directories={self.socket_dir} "
                           "-c max_connections=200 -c fsync=off -c track_commit_timestamp=on", "start"])

    def is_running(self):
        return subprocess.run([PG_BIN + "/pg_ctl", "-D", self.data_dir, "status"], capture_output=True).returncode == 0 \
            if os.geteuid() != 0 else subprocess.run(["runuser", "-u", "postgres", "--", PG_BIN + "/pg_ctl", "-D",
                                                      self.data_dir, "status"], capture_output=True).returncode == 0


@pytest.fixture(scope="session")
def postgres():
    return Postgres(SOCKET_DIR)


class Cluster:
    """Daemons A, B, C (each its own sockets, as on three hosts) on one fresh database, sharing the
    second-factor key as production hosts must."""

    def __init__(self, postgres, count=3, extra=()):
        self.postgres = postgres
        self.database = postgres.create_database()
        self.folder = tempfile.mkdtemp(prefix="wp-distributed-")
        self.key = os.path.join(self.folder, "secondfactor.key")
        with open(self.key, "wb") as f:
            f.write(os.urandom(32))
        os.chmod(self.key, 0o600)
        self.extra = list(extra)
        self.daemons = [self.start(name) for name in "abc"[:count]]

    def uri(self, name):
        return (f"postgresql://webprofiled@/{self.database}?host={self.postgres.socket_dir}"
                f"&application_name=host-{name}")

    def start(self, name):
        state = os.path.join(self.folder, name)
        os.makedirs(state, exist_ok=True)
        daemon = Daemon("--database", self.uri(name), "--second-factor-key-file", self.key, *FAST_HASHING, *self.extra,
                        state=state)
        daemon.name = name
        return daemon

    def listener_pid(self, daemon):
        return self.postgres.backend_pid(f"host-{daemon.name} listener", self.database)

    def sql(self, statement):
        return self.postgres.sql(statement, self.database)

    def last_change_id(self):
        return int(self.sql("SELECT COALESCE(MAX(id), 0) FROM changeLog")[0][0])

    def commit_time(self, change, after_id):
        """The wall-clock commit time (seconds) of the first transaction after `after_id` that
        logged `change` (the server keeps commit timestamps: track_commit_timestamp)."""
        rows = self.sql(f"SELECT extract(epoch FROM pg_xact_commit_timestamp(xmin)) FROM changeLog "
                        f"WHERE id > {after_id} AND change = '{change}' ORDER BY id LIMIT 1")
        assert rows, f"no committed change {change}"
        return float(rows[0][0])

    def stop(self):
        for daemon in self.daemons:
            daemon.kill()


@pytest.fixture(scope="module")
def cluster(postgres):
    c = Cluster(postgres)
    yield c
    c.stop()

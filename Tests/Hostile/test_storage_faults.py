"""Storage faults against the real binary, through an LD_PRELOAD shim (faultfs.c) that makes the
database's files fail as a failing disk does: each fault gets a clear error, a health status that
says so and a journal entry, recovery needs no restart, and no acknowledged write is lost."""
import os
import shutil
import sqlite3
import subprocess
import time

import pytest

from conftest import FAST_HASHING, HEALTH, PROFILES, ROOT, Company, Daemon, figure, ok

CC = shutil.which("cc") or shutil.which("gcc")


@pytest.fixture(scope="module")
def faultfs(tmp_path_factory):
    if CC is None:
        pytest.skip("SKIPPED LOUDLY: no C compiler to build the fault-injection shim")
    library = str(tmp_path_factory.mktemp("faultfs") / "faultfs.so")
    subprocess.run([CC, "-shared", "-fPIC", "-O1", "-o", library, str(ROOT / "Tests" / "Hostile" / "faultfs.c"), "-ldl"], check=True)
    return library


class FaultyDaemon(Daemon):
    """A daemon whose database folder fails on command."""

    def __init__(self, library, *args):
        import tempfile
        state = tempfile.mkdtemp(prefix="wp-faults-")
        self.database_dir = os.path.join(state, "db")
        self.control = os.path.join(state, "fault")
        self.set_fault("none", state=state)
        super().__init__(*FAST_HASHING, "--database", os.path.join(self.database_dir, "webprofiled.sqlite"), *args, state=state,
                         env={"LD_PRELOAD": library, "FAULTFS_DIR": self.database_dir, "FAULTFS_CONTROL": self.control})

    def set_fault(self, mode, state=None):
        with open(self.control if state is None else os.path.join(state, "fault"), "w") as f:
            f.write(mode)

    def health_when(self, predicate, timeout=15):
        deadline = time.time() + timeout
        while True:
            health = self.health()
            if predicate(health) or time.time() > deadline:
                return health
            time.sleep(0.2)


def register(company, name):
    return company.as_rep(PROFILES + "RegisterUser", {"username": name, "displayName": name.title(),
                                                      "email": f"{name}@rossi.example", "profile": "adminFull"})


@pytest.mark.parametrize("fault, words", [("enospc", "disk is full"), ("erofs", "I/O error"), ("eio", "I/O error")])
def test_a_failing_disk_is_unavailable_then_recovers_without_losing_anything(faultfs, fault, words):
    d = FaultyDaemon(faultfs)
    try:
        company = Company(d)
        acknowledged = []
        for i in range(3):
            ok(register(company, f"before{i}"))
            acknowledged.append(f"before{i}")
        d.set_fault(fault)
        status, error = register(company, "during")
        figure(f"RegisterUser with the disk failing ({fault})", f"{status}: {error['message']}")
        assert status == "UNAVAILABLE" and words in error["message"]
        health = d.health()
        assert health["status"] == "notServing" and words in health["storage"], health
        d.set_fault("none")
        started = time.time()
        health = d.health_when(lambda h: h["status"] == "serving")
        figure(f"recovery after the fault ({fault}) ended", f"{time.time() - started:.1f} s (storage probe every 5 s)")
        assert health["status"] == "serving" and health["storage"] == "ok"
        ok(register(company, "after"))
        acknowledged.append("after")
        d.kill()
        d.start()
        listed = ok(company.as_rep(PROFILES + "ListRegistrations", {"pageSize": 500}))
        names = {r["username"] for r in listed["registrations"]}
        assert set(acknowledged) <= names and "during" not in names
        log = d.log()
        assert "storage failing" in log and "storage works again" in log
    finally:
        d.kill()


def test_corruption_at_run_time_is_data_loss(faultfs):
    d = FaultyDaemon(faultfs)
    try:
        company = Company(d)
        ok(register(company, "kept"))
        # Everything into the database file itself (another process may checkpoint), so that what
        # is read next comes from the file, which then reads garbled.
        checkpoint = sqlite3.connect(os.path.join(d.database_dir, "webprofiled.sqlite"), isolation_level=None)
        checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        checkpoint.close()
        d.set_fault("corrupt")
        # A write changes the WAL, so readers drop their caches and read the (now garbled) file.
        register(company, "trigger")
        statuses = set()
        for _ in range(5):
            status, _ = company.as_rep(PROFILES + "ListRegistrations", {"pageSize": 500})
            statuses.add(status)
        figure("reads of a database corrupted at run time", ", ".join(sorted(statuses)))
        assert "DATA_LOSS" in statuses
        health = d.health()
        assert health["status"] == "notServing" and health["storage"].startswith("data loss"), health
        # Corruption is not cleared by a lucky write: it stays until the database is opened anew.
        d.set_fault("none")
        time.sleep(6)
        assert d.health()["status"] == "notServing"
        d.kill()
        d.start()
        assert d.health()["status"] == "serving"
        names = {r["username"] for r in ok(company.as_rep(PROFILES + "ListRegistrations", {}))["registrations"]}
        assert "kept" in names
    finally:
        d.kill()


def test_a_corrupt_database_at_start_reports_data_loss(daemon_factory, tmp_path):
    database = tmp_path / "webprofiled.sqlite"
    database.write_bytes(b"\x5a" * 8192)
    d = daemon_factory(*FAST_HASHING, "--database", str(database))
    health = d.health()
    figure("a corrupt database at start: Health/Check", f"{health['status']} ({health['storage']})")
    assert health["status"] == "notServing" and health["storage"].startswith("data loss")
    status, error = d.call("webprofiles.v1.Session/Login", {"username": "mario", "password": "x" * 12})
    assert status == "DATA_LOSS", error
    status, error = d.call("webprofiles.v1.Operator/Stats", {}, "operator")
    assert status == "DATA_LOSS", error
    # The operator restores the file (here: removes it, a new database is made): no restart needed.
    database.unlink()
    deadline = time.time() + 15
    while d.health()["status"] != "serving" and time.time() < deadline:
        time.sleep(0.2)
    assert d.health()["status"] == "serving"


def test_a_lock_held_by_another_process_is_unavailable(daemon_factory):
    d = daemon_factory(*FAST_HASHING)
    company = Company(d)
    other = sqlite3.connect(os.path.join(d.state, "webprofiled.sqlite"), isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        started = time.time()
        status, error = register(company, "blocked")
        figure("RegisterUser while another process holds an exclusive lock", f"{status} after {time.time() - started:.1f} s: {error['message']}")
        assert status == "UNAVAILABLE" and "locked" in error["message"]
        assert d.health()["status"] == "notServing"
    finally:
        other.execute("ROLLBACK")
        other.close()
    deadline = time.time() + 15
    while d.health()["status"] != "serving" and time.time() < deadline:
        time.sleep(0.2)
    assert d.health()["status"] == "serving"
    ok(register(company, "unblocked"))

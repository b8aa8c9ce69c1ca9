"""Durability as documented: every acknowledged write is on disk before its answer; the database
files are private whatever the umask."""
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time

import pytest

from conftest import DAEMON, FAST_HASHING, PROFILES, Company, Daemon, figure, ok

STRACE = shutil.which("strace")


def test_database_files_are_private_whatever_the_umask(daemon_factory):
    d = daemon_factory(*FAST_HASHING, preexec_fn=lambda: os.umask(0o022))
    Company(d)  # a few writes, so the WAL and shared-memory files exist
    modes = {}
    for name in os.listdir(d.state):
        if name.startswith("webprofiled.sqlite"):
            modes[name] = stat.S_IMODE(os.stat(os.path.join(d.state, name)).st_mode)
    figure("database file modes under umask 022", ", ".join(f"{k} {v:04o}" for k, v in sorted(modes.items())))
    assert modes and all(mode & 0o077 == 0 for mode in modes.values()), modes


@pytest.mark.skipif(STRACE is None, reason="SKIPPED LOUDLY: strace is not installed (scripts/ensure-deps.sh --test installs it)")
def test_every_acknowledged_write_is_synced_before_its_answer():
    state = tempfile.mkdtemp(prefix="wp-strace-")
    trace = os.path.join(state, "trace")
    d = Daemon(*FAST_HASHING, state=state, wrapper=[STRACE, "-f", "-qq", "-y", "-o", trace,
                                                    "-e", "trace=fsync,fdatasync,write,writev,sendmsg"])
    try:
        company = Company(d)
        with open(trace) as f:
            start = len(f.readlines())
        writes = 5
        for i in range(writes):
            ok(company.as_rep(PROFILES + "RegisterUser", {"username": f"user{i}", "displayName": f"User {i}",
                                                          "email": f"user{i}@rossi.example", "profile": "adminFull"}))
        time.sleep(0.2)
        with open(trace) as f:
            lines = f.readlines()[start:]
    finally:
        d.stop()
    events = []
    for line in lines:
        if re.search(r"\b(fsync|fdatasync)\(\d+<[^>]*webprofiled\.sqlite(-wal)?>\) = 0", line):
            events.append("sync")
        elif re.search(r"\b(write|writev|sendmsg)\(\d+<(UNIX|socket)", line) and "= " in line and "unfinished" not in line:
            events.append("answer")
    # Each call is HELLO answer, then (sync), then the call's answer: count answers preceded by a sync.
    synced, answers, pending_sync = 0, 0, False
    for i, event in enumerate(events):
        if event == "sync":
            pending_sync = True
        else:
            answers += 1
            if answers % 2 == 0:  # the call's answer (odd ones are HELLOs)
                synced += 1 if pending_sync else 0
            pending_sync = False
    figure("RegisterUser answers preceded by an fsync of the database (strace)", f"{synced} of {writes}")
    assert synced == writes, events

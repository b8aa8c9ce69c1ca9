"""Shared setup of the tests that use the real systemd pieces (Tests/System)."""
import os
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "Interop"))

DAEMON = os.environ.get("WEBPROFILED", str(ROOT / ".build" / "debug" / "webprofiled"))
CTL = os.environ.get("WEBPROFILECTL", str(ROOT / ".build" / "debug" / "webprofilectl"))
FAST_HASHING = ["--argon2-memory-kib", "64", "--argon2-iterations", "1"]

SYSTEM_TESTS = os.environ.get("CI") == "true" or os.environ.get("WEBPROFILES_SYSTEM_TESTS") == "1"
SKIP_REASON = ("SKIPPED LOUDLY: tests that need root, a real journald or a real systemd run only with CI=true "
               "or WEBPROFILES_SYSTEM_TESTS=1")

needs_system = pytest.mark.skipif(not SYSTEM_TESTS or os.geteuid() != 0, reason=SKIP_REASON)


def pytest_report_header(config):
    if not SYSTEM_TESTS:
        return ["*" * 78, "WARNING: " + SKIP_REASON, "*" * 78]
    return None


def catalog_ids():
    """MESSAGE_ID of each audit action, from systemd/webprofiled.catalog."""
    ids = {}
    current = None
    for line in (ROOT / "systemd" / "webprofiled.catalog").read_text().splitlines():
        if line.startswith("-- "):
            current = line[3:].strip()
        elif line.startswith("Subject:") and current:
            action = line.rsplit("(", 1)[1].rstrip(")")
            ids[action] = current
    return ids

"""Fixtures of the webprofiles Python client's tests.

The tests use the installed package (``pip install ./Clients/python``); run from a checkout
without installing, they fall back on ``Clients/python/src`` (client_support.py). The real daemon
is ``$WEBPROFILED`` (scripts/test.sh sets it), else ``.build/debug/webprofiled``, started the way
Tests/Interop/wp_daemon.py does it. Every request the package encodes and every answer it decodes
is validated against Protocol/webprofiles.cddl (tests/wire_schema.py); tests marked
``no_schema`` (a fake server's deliberately odd answers) are not.
"""
import os
import pathlib

import pytest

from client_support import (FAST_HASHING, ROOT, Answers, Client, CompanySetup, OperatorClient, stale_installed_files,
                            webprofiles)
import wire_schema
from webprofiles import _wire


def pytest_report_header(config):
    return [f"webprofiles {webprofiles.__version__} from {pathlib.Path(webprofiles.__file__).parent}",
            f"daemon: {os.environ.get('WEBPROFILED', ROOT / '.build' / 'debug' / 'webprofiled')}"]


def pytest_configure(config):
    config.addinivalue_line("markers", "no_schema: the test's traffic is not validated against the CDDL")
    stale = stale_installed_files()
    if stale:
        raise pytest.UsageError(
            f"the webprofiles installed in {pathlib.Path(webprofiles.__file__).parent} is not this checkout's "
            f"(differs in {', '.join(stale)}): run `pip install ./Clients/python` again (or `pip install -e` it)")


# MARK: the CDDL on every message

@pytest.fixture(scope="session")
def schema():
    if not wire_schema.CDDL_PATH.exists():
        pytest.fail(f"{wire_schema.CDDL_PATH} is missing: the client's traffic cannot be checked against it")
    checker = wire_schema.WireSchema(wire_schema.cddl_text())
    uninstall = wire_schema.install(_wire, checker)
    yield checker
    uninstall()


@pytest.fixture(autouse=True)
def _validated_traffic(request, schema):
    """Every test's traffic is validated unless it is marked ``no_schema``; a mismatch that the
    code under test swallowed still fails the test here."""
    if request.node.get_closest_marker("no_schema"):
        schema.active = False
        try:
            yield
        finally:
            schema.active = True
        return
    before = len(schema.failures)
    yield
    new = schema.failures[before:]
    assert not new, "traffic that does not match Protocol/webprofiles.cddl:\n" + "\n".join(new)


# MARK: the real daemon

@pytest.fixture(scope="session")
def wp_daemon():
    """Tests/Interop/wp_daemon.py: the real binary on a temporary state folder."""
    import wp_daemon as module
    return module


@pytest.fixture(scope="session")
def daemon(wp_daemon):
    """One daemon for the session (fast hashing: the tests log in often)."""
    d = wp_daemon.Daemon(*FAST_HASHING, "--log-level", "warning")
    yield d
    assert d.stop() == 0, "the daemon did not stop cleanly:\n" + d.log()[-4000:]


@pytest.fixture
def make_daemon(wp_daemon):
    """Starts extra daemons (own state folder, own flags) stopped after the test."""
    started = []

    def make(*args):
        d = wp_daemon.Daemon(*FAST_HASHING, "--log-level", "warning", *args)
        started.append(d)
        return d
    yield make
    for d in started:
        d.stop()


@pytest.fixture(scope="session")
def operator(daemon):
    client = OperatorClient(daemon.operator, agent="pytest", timeout=30)
    yield client
    client.close()


@pytest.fixture(scope="session")
def setup_client(daemon):
    client = Client(daemon.api, timeout=30)
    yield client
    client.close()


@pytest.fixture
def company(operator, setup_client):
    return CompanySetup(operator, setup_client)


@pytest.fixture
def client(daemon):
    c = Client(daemon.api, timeout=30)
    yield c
    c.close()


@pytest.fixture
def answers(monkeypatch):
    recorder = Answers()
    original = _wire.Multiplexer._frame

    def recording(self, frame, events):
        if frame.kind is _wire.FrameKind.RESPONSE:
            recorder.record(self, frame.stream_id, frame.status)
        return original(self, frame, events)
    monkeypatch.setattr(_wire.Multiplexer, "_frame", recording)
    return recorder

"""Interop: an independent Python client (wp_client.py, written from Protocol/PROTOCOL.md) against
the real webprofiled binary."""
import json
import os
import pathlib
import random
import socket
import struct
import subprocess
import tempfile
import time

import cbor2
import pytest

from wp_client import CANCEL, GOAWAY, HELLO, PING, PONG, REQUEST, RESPONSE, Connection, encode_frame

ROOT = pathlib.Path(__file__).resolve().parents[2]
VECTORS = json.loads((ROOT / "Protocol" / "vectors" / "frames.json").read_text())
DAEMON = os.environ.get("WEBPROFILED", str(ROOT / ".build" / "debug" / "webprofiled"))
HEALTH = "webprofiles.v1.Health/Check"


@pytest.fixture(scope="module")
def daemon():
    state = tempfile.mkdtemp(prefix="wp-interop-")
    proc = subprocess.Popen([DAEMON, "--state-directory", state, "--frame-timeout", "1", "--log-level", "warning"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    api = os.path.join(state, "webprofiled.sock")
    for _ in range(300):
        if os.path.exists(api):
            break
        if proc.poll() is not None:
            raise RuntimeError("daemon exited: " + proc.stderr.read().decode())
        time.sleep(0.05)
    yield {"api": api, "operator": os.path.join(state, "operator.sock")}
    proc.terminate()
    assert proc.wait(timeout=20) == 0, "daemon did not stop cleanly on SIGTERM"


def connect(daemon, which="api"):
    c = Connection(daemon[which])
    return c


def assert_still_serving(daemon):
    c = connect(daemon)
    c.hello()
    status, message = c.call(HEALTH, {})
    assert status == "OK" and message["status"] == "serving"
    c.close()


def test_health_check(daemon):
    c = connect(daemon)
    hello = c.hello()
    assert hello["maxFrameBytes"] == 1 << 20
    status, message = c.call(HEALTH, {})
    assert status == "OK"
    assert message["status"] == "serving"
    assert isinstance(message["version"], str)
    assert message["uptimeSeconds"] >= 0
    c.close()


def test_health_on_operator_socket(daemon):
    c = connect(daemon, "operator")
    c.hello()
    assert c.call(HEALTH, {})[0] == "OK"
    c.close()


def test_many_calls_pipelined_on_one_connection(daemon):
    c = connect(daemon)
    c.hello()
    ids = [c.start_call(HEALTH, {}, timeout_millis=5000) for _ in range(200)]
    seen = set()
    while len(seen) < len(ids):
        frame = c.read_frame()
        assert frame.kind == RESPONSE and frame.status == 0
        seen.add(frame.stream_id)
    assert seen == set(ids)
    c.close()


def test_ping_pong(daemon):
    c = connect(daemon)
    c.hello()
    c.send(PING, b"\x01\x02\x03\x04\x05\x06\x07\x08")
    frame = c.read_frame()
    assert frame.kind == PONG and frame.payload == b"\x01\x02\x03\x04\x05\x06\x07\x08"
    c.close()


def test_unknown_keys_are_ignored(daemon):
    c = connect(daemon)
    c.hello()
    c.send(REQUEST, cbor2.dumps({"method": HEALTH, "message": {"future": 1}, "alsoFuture": [1, 2]}), 1)
    frame = c.read_frame()
    assert frame.status == 0
    c.close()


def test_indefinite_lengths_are_accepted(daemon):
    c = connect(daemon)
    c.hello()
    # {_ "method": (_ "webprofiles.v1.", "Health/Check"), "message": {_ }}
    payload = (b"\xbf" + cbor2.dumps("method") + b"\x7f" + cbor2.dumps("webprofiles.v1.") + cbor2.dumps("Health/Check")
               + b"\xff" + cbor2.dumps("message") + b"\xbf\xff\xff")
    c.send(REQUEST, payload, 7)
    frame = c.read_frame()
    assert frame.stream_id == 7 and frame.status == 0, frame.value
    c.close()


def test_cancel_of_unknown_stream_is_ignored(daemon):
    c = connect(daemon)
    c.hello()
    c.send(CANCEL, b"", 42)
    assert c.call(HEALTH, {})[0] == "OK"
    c.close()


def test_golden_server_hello_shape(daemon):
    c = connect(daemon)
    c.send_raw(bytes.fromhex(next(f for f in VECTORS["frames"] if f["name"] == "client-hello")["hex"]))
    frame = c.read_frame()
    assert frame.kind == HELLO and frame.status == 0 and frame.stream_id == 0
    assert set(frame.value) == {"protocol", "version", "peer", "maxFrameBytes"}
    # The golden request-health frame is answered like the golden response-ok frame.
    c.send_raw(bytes.fromhex(next(f for f in VECTORS["frames"] if f["name"] == "request-health")["hex"]))
    frame = c.read_frame()
    assert frame.kind == RESPONSE and frame.stream_id == 1 and frame.status == 0
    assert set(frame.value["message"]) == {"status", "version", "uptimeSeconds", "storage"}
    c.close()


@pytest.mark.parametrize("vector", VECTORS["connectionErrors"], ids=lambda v: v["name"])
def test_connection_error_vectors(daemon, vector):
    c = connect(daemon)
    if not vector["first"]:
        c.hello()
    c.send_raw(bytes.fromhex(vector["hex"]))
    frame = c.read_frame()
    assert frame is not None and frame.kind == GOAWAY
    assert frame.status_name == vector["goawayStatus"]
    assert isinstance(frame.value["message"], str) and "lastStreamId" in frame.value
    assert c.closed_by_peer()
    c.close()
    assert_still_serving(daemon)


@pytest.mark.parametrize("vector", VECTORS["callErrors"], ids=lambda v: v["name"])
def test_call_error_vectors(daemon, vector):
    c = connect(daemon)
    c.hello()
    c.send_raw(bytes.fromhex(vector["hex"]))
    frame = c.read_frame()
    assert frame.kind == RESPONSE and frame.stream_id == vector["streamId"]
    assert frame.status_name == vector["status"]
    assert isinstance(frame.value["error"]["message"], str)
    assert c.call(HEALTH, {})[0] == "OK"  # the connection survives
    c.close()


def test_slow_sender_is_dropped(daemon):
    c = connect(daemon)
    c.hello()
    c.send_raw(encode_frame(REQUEST, cbor2.dumps({"method": HEALTH, "message": {}}), 0, 1)[:9])
    assert_still_serving(daemon)
    frame = c.read_frame()
    assert frame.kind == GOAWAY and frame.status_name == "DEADLINE_EXCEEDED"
    c.close()


def test_deadline_zero_is_deadline_exceeded_or_ok(daemon):
    c = connect(daemon)
    c.hello()
    status, _ = c.call(HEALTH, {}, timeout_millis=0)
    assert status in ("OK", "DEADLINE_EXCEEDED")
    c.close()


def test_random_garbage_never_takes_the_daemon_down(daemon):
    rng = random.Random(8949)
    for i in range(60):
        c = connect(daemon)
        if i % 2:
            c.hello()
        blob = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 200)))
        if i % 3 == 0:
            # A plausible header with a random kind and a garbage payload.
            blob = encode_frame(rng.randint(0, 9), blob, 0, rng.randint(0, 3))
        try:
            c.send_raw(blob)
            c.sock.settimeout(0.3)
            while c.read_frame() is not None:
                pass
        except (socket.timeout, ConnectionResetError, BrokenPipeError):
            pass
        c.close()
    assert_still_serving(daemon)

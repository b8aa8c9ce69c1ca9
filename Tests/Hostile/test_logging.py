"""Log injection: what a client says about itself cannot forge log lines."""
import cbor2

from conftest import FAST_HASHING, figure
from hostile_cbor import frame
from wp_client import GOAWAY, HELLO


def test_the_hello_peer_cannot_forge_log_lines(daemon_factory):
    d = daemon_factory(*FAST_HASHING)
    c = d.connect(hello=False)
    evil = "evil/1.0\n2026-12-01T00:00:00+0000 critical webprofiled: FORGED line\r\x1b[31m"
    c.send_raw(frame(HELLO, cbor2.dumps({"protocol": "webprofiles", "version": 1, "peer": evil, "maxFrameBytes": 1 << 20})))
    assert c.read_frame().kind == HELLO
    # A second HELLO is a protocol violation, logged with the connection's metadata.
    c.send_raw(frame(HELLO, cbor2.dumps({"protocol": "webprofiles", "version": 1, "peer": "x", "maxFrameBytes": 1 << 20})))
    assert c.read_frame().kind == GOAWAY
    c.close()
    d.stop()
    log = d.log()
    forged = [line for line in log.splitlines() if "FORGED" in line and not line.startswith("20") or
              line.startswith("2026-12-01T00:00:00")]
    figure("HELLO peer with a newline: forged log lines", str(len(forged)))
    assert "protocol violation" in log
    assert not forged, forged
    assert "\x1b" not in log

"""The wire layer without a socket: framing against the golden vectors, the receiver's rules, and
the multiplexer's bookkeeping of streams, PING and GOAWAY."""
import json
import struct

import cbor2
import pytest

from client_support import ROOT
from webprofiles import _wire
from webprofiles._wire import (Answered, Closing, FrameDecoder, FrameKind, Multiplexer, Ponged, Ready, Retry, Send,
                               State)
from webprofiles.client import decode_answer
from webprofiles.errors import (InvalidArgument, ProtocolError, ResourceExhausted, StatusCode, Unavailable,
                                Unimplemented)
from webprofiles.messages import METHODS_BY_NAME, HealthCheckResponse, HealthStatus

VECTORS = json.loads((ROOT / "Protocol" / "vectors" / "frames.json").read_text())
FRAMES = {f["name"]: f for f in VECTORS["frames"]}
HEALTH = METHODS_BY_NAME["webprofiles.v1.Health/Check"]


def golden(name):
    return bytes.fromhex(FRAMES[name]["hex"])


def open_mux(max_frame_bytes=1 << 20):
    mux = Multiplexer()
    mux.hello("test/1")
    events = mux.receive(golden("server-hello"))
    assert [type(e) for e in events] == [Ready]
    assert mux.state is State.OPEN and mux.server.max_frame_bytes == 1 << 20
    return mux


# MARK: the golden frames

def test_client_hello_is_the_golden_frame():
    vector = FRAMES["client-hello"]["payload"]
    assert Multiplexer(vector["maxFrameBytes"]).hello(vector["peer"]) == golden("client-hello")


def test_requests_are_the_golden_frames():
    assert _wire.encode_frame(FrameKind.REQUEST, _wire.encode_request(HEALTH.full_name, {}, None, None), 0, 1) \
        == golden("request-health")
    vector = FRAMES["request-timeout-metadata"]["payload"]
    payload = _wire.encode_request(vector["method"], vector["message"], vector["timeoutMillis"], vector["metadata"])
    assert _wire.encode_frame(FrameKind.REQUEST, payload, 0, 2) == golden("request-timeout-metadata")


def test_the_multiplexer_numbers_streams_and_frames_them_as_the_vectors():
    mux = open_mux()
    first, frame = mux.start(_wire.encode_request(HEALTH.full_name, {}, None, None), "waiter-1")
    assert (first, frame) == (1, golden("request-health"))
    second, _ = mux.start(b"\xa0", "waiter-2")
    assert second == 2
    assert mux.cancel(2) == golden("cancel")
    assert mux.cancel(2) is None  # once
    assert mux.streams_open == 2  # the cancelled stream stays reserved until the server answers it


def test_golden_answers_decode():
    vector = FRAMES["response-ok"]
    frame = FrameDecoder(1 << 20).feed(golden("response-ok"))[0]
    health = decode_answer(HEALTH, frame.status, frame.payload)
    assert isinstance(health, HealthCheckResponse)
    assert health.status is HealthStatus.SERVING and health.uptime_seconds == vector["payload"]["message"]["uptimeSeconds"]
    assert health.storage is None  # absent from older daemons: optional

    frame = FrameDecoder(1 << 20).feed(golden("response-error"))[0]
    with pytest.raises(Unimplemented) as raised:
        decode_answer(HEALTH, frame.status, frame.payload)
    assert raised.value.code is StatusCode.UNIMPLEMENTED
    assert raised.value.message == FRAMES["response-error"]["payload"]["error"]["message"]

    frame = FrameDecoder(1 << 20).feed(golden("response-error-details"))[0]
    with pytest.raises(InvalidArgument) as raised:
        decode_answer(HEALTH, frame.status, frame.payload)
    assert raised.value.field == "username" and raised.value.details == {"field": "username"}


def test_ping_is_answered_with_the_same_bytes():
    mux = open_mux()
    events = mux.receive(golden("ping"))
    assert len(events) == 1 and isinstance(events[0], Send)
    assert events[0].data == golden("pong")


def test_a_pong_answers_our_ping():
    mux = open_mux()
    key, frame = mux.ping("waiter")
    assert frame[4] == FrameKind.PING and frame[12:] == key and len(key) == 8
    events = mux.receive(_wire.encode_frame(FrameKind.PONG, key))
    assert isinstance(events[0], Ponged) and events[0].waiter == "waiter" and events[0].seconds >= 0
    assert mux.receive(_wire.encode_frame(FrameKind.PONG, key)) == []  # an unknown PONG is ignored


def test_goaway_lets_streams_up_to_last_finish_and_hands_back_the_others():
    mux = open_mux()
    ids = [mux.start(b"\xa0", f"call-{i}")[0] for i in range(1, 10)]
    assert ids == list(range(1, 10))
    events = mux.receive(golden("goaway"))  # lastStreamId 7
    assert isinstance(events[0], Closing) and events[0].goaway.last_stream_id == 7
    retried = [e.waiter for e in events if isinstance(e, Retry)]
    assert retried == ["call-8", "call-9"]
    assert mux.state is State.DRAINING and not mux.accepts_calls and mux.streams_open == 7
    with pytest.raises(Unavailable):
        mux.start(b"\xa0", "late")
    # Calls up to 7 are still answered, then the connection is done.
    for stream_id in range(1, 8):
        [answered] = mux.receive(_wire.encode_frame(FrameKind.RESPONSE, cbor2.dumps({"message": {}}), 0, stream_id))
        assert isinstance(answered, Answered) and answered.waiter == f"call-{stream_id}"
    assert mux.finished


def test_goaway_for_an_error_ends_every_call():
    mux = open_mux()
    mux.start(b"\xa0", "one")
    mux.start(b"\xa0", "two")
    events = mux.receive(_wire.encode_frame(FrameKind.GOAWAY, _wire.goaway_payload(1, "bad frame"), 3))
    failed = {e.waiter: e.error for e in events if type(e).__name__ == "Failed"}
    retried = [e.waiter for e in events if isinstance(e, Retry)]
    assert retried == ["two"]  # never started by the server
    assert isinstance(failed["one"], InvalidArgument) and "bad frame" in failed["one"].message
    assert mux.state is State.CLOSED


def test_a_goaway_instead_of_hello_closes():
    mux = Multiplexer()
    mux.hello("test/1")
    events = mux.receive(golden("goaway"))
    assert isinstance(events[0], Closing) and mux.state is State.CLOSED
    assert isinstance(events[0].goaway.error(), Unavailable)


def test_an_answer_after_cancel_is_dropped_and_frees_the_stream():
    mux = open_mux()
    stream_id, _ = mux.start(b"\xa0", "waiter")
    mux.cancel(stream_id)
    assert mux.streams_open == 1
    assert mux.receive(_wire.encode_frame(FrameKind.RESPONSE, cbor2.dumps({"error": {"message": "cancelled"}}), 1,
                                          stream_id)) == []
    assert mux.streams_open == 0


def test_lost_fails_every_waiter():
    mux = open_mux()
    mux.start(b"\xa0", "a")
    cancelled, _ = mux.start(b"\xa0", "b")
    mux.cancel(cancelled)
    mux.ping("p")
    events = mux.lost(Unavailable("gone"))
    assert sorted(e.waiter for e in events) == ["a", "p"]
    assert mux.state is State.CLOSED and mux.streams_open == 0


def test_stream_ids_wrap_around_and_skip_ids_in_flight():
    mux = open_mux()
    mux._next_id = _wire.MAX_STREAM_ID
    last, _ = mux.start(b"\xa0", "last")
    assert last == _wire.MAX_STREAM_ID
    assert mux.start(b"\xa0", "first")[0] == 1
    mux._next_id = _wire.MAX_STREAM_ID  # still in flight: skipped
    assert mux.start(b"\xa0", "next")[0] == 2


def test_a_request_larger_than_the_server_accepts_is_refused_before_sending():
    mux = Multiplexer()
    mux.receive(_wire.encode_frame(FrameKind.HELLO, _wire.hello_payload("small/1", 256)))
    assert mux.start(b"x" * 248, "fits")[0] == 1  # length field 8 + 248 = 256
    with pytest.raises(ResourceExhausted):
        mux.start(b"x" * 249, "too big")
    assert mux.streams_open == 1


# MARK: the receiver's rules (PROTOCOL.md section 2, the server's frames)

def header(length, kind, flags=0, status=0, stream=0):
    return struct.pack(">IBBHI", length, kind, flags, status, stream)


@pytest.mark.parametrize("data, goaway", [
    (header(2 ** 31 - 1, FrameKind.RESPONSE, stream=1), StatusCode.RESOURCE_EXHAUSTED),
    (header(4, FrameKind.PING), StatusCode.INVALID_ARGUMENT),
    (header(8, 9), StatusCode.INVALID_ARGUMENT),
    (header(16, FrameKind.PING, flags=1) + bytes(8), StatusCode.INVALID_ARGUMENT),
    (header(16, FrameKind.PING, status=3) + bytes(8), StatusCode.INVALID_ARGUMENT),
    (header(8, FrameKind.RESPONSE, status=17, stream=1), StatusCode.INVALID_ARGUMENT),
    (header(8, FrameKind.RESPONSE), StatusCode.INVALID_ARGUMENT),
    (header(16, FrameKind.PING, stream=4) + bytes(8), StatusCode.INVALID_ARGUMENT),
    (header(12, FrameKind.PING) + bytes(4), StatusCode.INVALID_ARGUMENT),
    (header(8, FrameKind.REQUEST, stream=1), StatusCode.INVALID_ARGUMENT),
    (header(8, FrameKind.CANCEL, stream=1), StatusCode.INVALID_ARGUMENT),
], ids=["oversized", "short", "unknown-kind", "flags", "status-on-ping", "status-17", "response-stream-0",
        "ping-on-stream", "ping-4-bytes", "request-from-server", "cancel-from-server"])
def test_frames_breaking_the_rules_are_refused(data, goaway):
    mux = open_mux()
    with pytest.raises(ProtocolError) as raised:
        mux.receive(data)
    assert raised.value.goaway_status is goaway
    sent = _wire.violation_goaway(raised.value)
    assert sent[4] == FrameKind.GOAWAY and struct.unpack(">H", sent[6:8])[0] == goaway


def test_the_oversized_length_is_refused_before_the_body_arrives():
    decoder = FrameDecoder(1024)
    with pytest.raises(ProtocolError):
        decoder.feed(struct.pack(">I", 1025))  # four bytes are enough


def test_frames_split_anywhere_are_reassembled():
    data = golden("server-hello") + golden("ping") + golden("response-ok")
    decoder = FrameDecoder(1 << 20)
    frames = []
    for i in range(len(data)):
        frames += decoder.feed(data[i:i + 1])
    assert [f.kind for f in frames] == [FrameKind.HELLO, FrameKind.PING, FrameKind.RESPONSE]


def test_a_second_hello_and_a_wrong_first_frame_are_violations():
    with pytest.raises(ProtocolError):
        open_mux().receive(golden("server-hello"))
    mux = Multiplexer()
    with pytest.raises(ProtocolError):
        mux.receive(golden("ping"))


@pytest.mark.parametrize("hello", [
    {"protocol": "other", "version": 1, "peer": "x", "maxFrameBytes": 1 << 20},
    {"protocol": "webprofiles", "version": 2, "peer": "x", "maxFrameBytes": 1 << 20},
    {"protocol": "webprofiles", "version": 1, "peer": "x", "maxFrameBytes": 100},
    ["not", "a", "map"],
])
def test_a_server_hello_of_another_protocol_is_refused(hello):
    with pytest.raises(ProtocolError):
        Multiplexer().receive(_wire.encode_frame(FrameKind.HELLO, cbor2.dumps(hello)))


def test_unknown_hello_keys_are_ignored():
    mux = Multiplexer()
    hello = {"protocol": "webprofiles", "version": 1, "peer": "x", "maxFrameBytes": 4096, "compression": ["zstd"]}
    mux.receive(_wire.encode_frame(FrameKind.HELLO, cbor2.dumps(hello)))
    assert mux.accepts_calls and mux.server.max_frame_bytes == 4096


@pytest.mark.no_schema  # deliberately malformed answers
def test_an_undecodable_answer_is_a_protocol_error():
    with pytest.raises(ProtocolError):
        decode_answer(HEALTH, 0, b"\xff\xff")
    with pytest.raises(ProtocolError):
        decode_answer(HEALTH, 0, cbor2.dumps({"message": "not a map"}))
    with pytest.raises(ProtocolError) as raised:
        decode_answer(HEALTH, 0, cbor2.dumps({"message": {"status": "serving", "version": "1"}}))
    assert "uptimeSeconds" in str(raised.value) and raised.value.method == HEALTH.full_name


@pytest.mark.no_schema
def test_an_error_without_a_message_gets_the_status_name():
    with pytest.raises(Unavailable) as raised:
        decode_answer(HEALTH, 14, cbor2.dumps({"error": {}}))
    assert raised.value.message == "UNAVAILABLE"


# MARK: call options

def test_deadline_is_the_earlier_of_timeout_and_deadline():
    assert _wire.effective_deadline(None, None, None, 100.0) is None
    assert _wire.effective_deadline(None, None, 2.0, 100.0) == 102.0  # the client's default
    assert _wire.effective_deadline(5.0, None, 2.0, 100.0) == 105.0  # the call's own wins
    assert _wire.effective_deadline(5.0, 101.0, 2.0, 100.0) == 101.0
    assert _wire.effective_deadline(None, 103.0, 2.0, 100.0) == 103.0


def test_timeout_millis_rounds_up_and_never_goes_negative():
    assert _wire.timeout_millis(None, 1.0) is None
    assert _wire.timeout_millis(1.0004, 1.0) == 1
    assert _wire.timeout_millis(3.5, 1.0) == 2500
    assert _wire.timeout_millis(0.5, 1.0) == 0


def test_metadata_merge_order():
    assert _wire.call_metadata(None, None, None) is None
    merged = _wire.call_metadata({"user-agent": "default", "x-a": "1"}, "wps_T", {"user-agent": "mine"})
    assert merged == {"user-agent": "mine", "x-a": "1", "authorization": "Bearer wps_T"}

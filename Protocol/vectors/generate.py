#!/usr/bin/env python3
"""Writes frames.json, the golden frames of webprofiles v1.

Independent of the Swift code: payloads are encoded here with a small preferred-serialization
CBOR writer (RFC 8949 §4.1: shortest integers, shortest exact floats, definite lengths, map keys
in the order given). Run it after changing the protocol and commit both files:

    python3 Protocol/vectors/generate.py > Protocol/vectors/frames.json
"""
import json
import struct

KINDS = {"HELLO": 1, "REQUEST": 2, "RESPONSE": 3, "CANCEL": 4, "PING": 5, "PONG": 6, "GOAWAY": 7}
STATUS = {"OK": 0, "CANCELLED": 1, "INVALID_ARGUMENT": 3, "DEADLINE_EXCEEDED": 4, "RESOURCE_EXHAUSTED": 8,
          "FAILED_PRECONDITION": 9, "UNIMPLEMENTED": 12, "UNAUTHENTICATED": 16}


def head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for info, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | info]) + struct.pack(fmt, n)
    raise ValueError(n)


def cbor(v):
    if v is True:
        return b"\xf5"
    if v is False:
        return b"\xf4"
    if v is None:
        return b"\xf6"
    if isinstance(v, int):
        return head(0, v) if v >= 0 else head(1, -1 - v)
    if isinstance(v, float):
        for code, fmt in ((0xF9, ">e"), (0xFA, ">f")):
            try:
                packed = struct.pack(fmt, v)
                if struct.unpack(fmt, packed)[0] == v:
                    return bytes([code]) + packed
            except OverflowError:
                pass
        return b"\xfb" + struct.pack(">d", v)
    if isinstance(v, str):
        b = v.encode()
        return head(3, len(b)) + b
    if isinstance(v, bytes):
        return head(2, len(v)) + v
    if isinstance(v, list):
        return head(4, len(v)) + b"".join(cbor(x) for x in v)
    if isinstance(v, dict):
        return head(5, len(v)) + b"".join(cbor(k) + cbor(x) for k, x in v.items())
    raise TypeError(v)


def frame(kind, payload=b"", status="OK", stream=0, flags=0, length=None):
    body = payload if isinstance(payload, bytes) else cbor(payload)
    n = 8 + len(body) if length is None else length
    return struct.pack(">IBBHI", n, KINDS[kind] if isinstance(kind, str) else kind, flags, STATUS[status], stream) + body


HELLO_CLIENT = {"protocol": "webprofiles", "version": 1, "peer": "example-client/1.0", "maxFrameBytes": 1048576}
HELLO_SERVER = {"protocol": "webprofiles", "version": 1, "peer": "webprofiled/0.1.0", "maxFrameBytes": 1048576}
HEALTH = {"method": "webprofiles.v1.Health/Check", "message": {}}

valid = [
    ("client-hello", "The client's first frame: HELLO with protocol, version, peer name and its maximum frame length.",
     "HELLO", HELLO_CLIENT, "OK", 0),
    ("server-hello", "The server's answer to HELLO.", "HELLO", HELLO_SERVER, "OK", 0),
    ("request-health", "REQUEST on stream 1 calling Health/Check with an empty message.", "REQUEST", HEALTH, "OK", 1),
    ("request-timeout-metadata", "REQUEST on stream 2 with a 5 s deadline and a session token in metadata.",
     "REQUEST", {"method": "webprofiles.v1.Session/Whoami", "message": {}, "timeoutMillis": 5000,
                 "metadata": {"authorization": "Bearer wps_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}, "OK", 2),
    ("response-ok", "RESPONSE status 0 on stream 1: the message of Health/Check.", "RESPONSE",
     {"message": {"status": "serving", "version": "0.1.0", "uptimeSeconds": 12.5}}, "OK", 1),
    ("response-error", "RESPONSE status 12 (UNIMPLEMENTED) on stream 3: an error with its message.", "RESPONSE",
     {"error": {"message": "unknown method \"webprofiles.v1.Nope/Nope\""}}, "UNIMPLEMENTED", 3),
    ("response-error-details", "RESPONSE status 3 (INVALID_ARGUMENT) on stream 4 with details naming the field.",
     "RESPONSE", {"error": {"message": "username: must not be empty", "details": {"field": "username"}}}, "INVALID_ARGUMENT", 4),
    ("cancel", "CANCEL of stream 2: empty payload.", "CANCEL", b"", "OK", 2),
    ("ping", "PING with 8 opaque bytes.", "PING", bytes(range(1, 9)), "OK", 0),
    ("pong", "PONG echoing the PING's 8 bytes.", "PONG", bytes(range(1, 9)), "OK", 0),
    ("goaway", "GOAWAY status 0: no new calls; calls up to stream 7 are finished.", "GOAWAY",
     {"lastStreamId": 7, "message": "server is shutting down"}, "OK", 0),
]

# Sent after a valid client HELLO unless "first" is true; the server answers GOAWAY with the status and closes.
connection_errors = [
    ("first-frame-not-hello", "A PING as the first frame.", True, frame("PING", bytes(8)), "INVALID_ARGUMENT"),
    ("hello-wrong-protocol", "HELLO naming another protocol.", True,
     frame("HELLO", {**HELLO_CLIENT, "protocol": "http"}), "INVALID_ARGUMENT"),
    ("hello-unsupported-version", "HELLO asking for version 2.", True,
     frame("HELLO", {**HELLO_CLIENT, "version": 2}), "FAILED_PRECONDITION"),
    ("hello-not-cbor", "HELLO whose payload is not CBOR.", True, frame("HELLO", b"\xff\xff"), "INVALID_ARGUMENT"),
    ("hello-tiny-max-frame", "HELLO advertising maxFrameBytes 100, below the minimum of 256.", True,
     frame("HELLO", {**HELLO_CLIENT, "maxFrameBytes": 100}), "INVALID_ARGUMENT"),
    ("oversized-length", "A length field of 2^31-1, above the 1 MiB maximum (refused before any body).", False,
     struct.pack(">I", 0x7FFFFFFF), "RESOURCE_EXHAUSTED"),
    ("length-below-header", "A length field of 4, shorter than the 8 header bytes after it.", False,
     struct.pack(">IBBHI", 4, 5, 0, 0, 0), "INVALID_ARGUMENT"),
    ("flags-set", "A PING with flags = 1 (compression is not in v1).", False, frame("PING", bytes(8), flags=1), "INVALID_ARGUMENT"),
    ("unknown-kind", "A frame of kind 9.", False, frame(9, b""), "INVALID_ARGUMENT"),
    ("request-stream-zero", "A REQUEST on stream 0.", False, frame("REQUEST", HEALTH, stream=0), "INVALID_ARGUMENT"),
    ("second-hello", "A HELLO after the handshake.", False, frame("HELLO", HELLO_CLIENT), "INVALID_ARGUMENT"),
    ("response-from-client", "A RESPONSE sent by the client.", False, frame("RESPONSE", {"message": {}}, stream=1), "INVALID_ARGUMENT"),
    ("ping-wrong-size", "A PING with 4 payload bytes instead of 8.", False, frame("PING", bytes(4)), "INVALID_ARGUMENT"),
]

# Sent after a valid client HELLO; the server answers a RESPONSE on the same stream with the status.
call_errors = [
    ("unknown-method", "REQUEST for a method that does not exist.",
     frame("REQUEST", {"method": "webprofiles.v1.Nope/Nope", "message": {}}, stream=5), "UNIMPLEMENTED"),
    ("payload-not-cbor", "REQUEST whose payload is not well-formed CBOR.", frame("REQUEST", b"\x1c", stream=6), "INVALID_ARGUMENT"),
    ("payload-not-a-map", "REQUEST whose payload is an array.", frame("REQUEST", [1, 2], stream=7), "INVALID_ARGUMENT"),
    ("duplicate-keys", "REQUEST whose payload repeats the method key.",
     frame("REQUEST", b"\xa2" + cbor("method") + cbor("a") + cbor("method") + cbor("b"), stream=8), "INVALID_ARGUMENT"),
    ("bad-metadata-key", "REQUEST with an uppercase metadata key.",
     frame("REQUEST", {**HEALTH, "metadata": {"Authorization": "x"}}, stream=9), "INVALID_ARGUMENT"),
    ("too-much-metadata", "REQUEST with 17 metadata entries (at most 16).",
     frame("REQUEST", {**HEALTH, "metadata": {f"k{i}": "v" for i in range(17)}}, stream=11), "INVALID_ARGUMENT"),
    ("message-wrong-type", "REQUEST whose message is a text string instead of a map.",
     frame("REQUEST", {"method": "webprofiles.v1.Health/Check", "message": "hi"}, stream=10), "INVALID_ARGUMENT"),
]

out = {
    "description": "Golden frames of webprofiles v1. hex is the whole frame; payload is the CBOR payload as JSON "
                   "(payloadHex when it is raw bytes). See Protocol/PROTOCOL.md.",
    "frames": [
        {"name": n, "meaning": m, "kind": k, "status": s, "streamId": sid,
         **({"payloadHex": p.hex()} if isinstance(p, bytes) else {"payload": p}),
         "hex": frame(k, p, s, sid).hex()}
        for n, m, k, p, s, sid in valid
    ],
    "connectionErrors": [
        {"name": n, "meaning": m, "first": first, "hex": h.hex(), "goawayStatus": s} for n, m, first, h, s in connection_errors
    ],
    "callErrors": [
        {"name": n, "meaning": m, "hex": h.hex(), "streamId": struct.unpack(">I", h[8:12])[0], "status": s}
        for n, m, h, s in call_errors
    ],
}
print(json.dumps(out, indent=2, ensure_ascii=False))

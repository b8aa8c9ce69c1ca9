"""The webprofiles v1 wire protocol without I/O: frames, HELLO, REQUEST/RESPONSE payloads, and the
state of one multiplexed connection (:class:`Multiplexer`), which both the blocking client and
the asyncio client drive with the bytes they read and write (Protocol/PROTOCOL.md sections 2–4).

The two functions every call goes through, :func:`encode_request` and :func:`decode_response`,
are looked up on this module at call time (``_wire.encode_request``): the test suite wraps them
to validate every message against Protocol/webprofiles.cddl.
"""
from __future__ import annotations

import enum
import itertools
import math
import struct
import time
from dataclasses import dataclass
from typing import Any, Dict, Generic, List, Mapping, Optional, Tuple, TypeVar

import cbor2

from .errors import (ProtocolError, ResourceExhausted, StatusCode, Unavailable, WebProfilesError,
                     error_for)

PROTOCOL = "webprofiles"
VERSION = 1
#: The frame header after the length field: kind, flags, status, streamId (big-endian).
HEADER = struct.Struct(">IBBHI")
HEADER_BYTES = HEADER.size  # 12: the length field (4) and the 8 bytes it counts
#: The smallest maxFrameBytes a peer may advertise.
MIN_MAX_FRAME_BYTES = 256
#: The largest frame this client accepts unless told otherwise (answers listing 500 audit events
#: are large; the daemon itself accepts 1 MiB).
DEFAULT_MAX_FRAME_BYTES = 16 << 20
MAX_STREAM_ID = 0xFFFFFFFF
PING_BYTES = 8


class FrameKind(enum.IntEnum):
    HELLO = 1
    REQUEST = 2
    RESPONSE = 3
    CANCEL = 4
    PING = 5
    PONG = 6
    GOAWAY = 7


@dataclass(frozen=True)
class Frame:
    kind: FrameKind
    status: int
    stream_id: int
    payload: bytes


def encode_frame(kind: int, payload: bytes = b"", status: int = 0, stream_id: int = 0) -> bytes:
    """One frame: the 12-byte header and the payload."""
    return HEADER.pack(8 + len(payload), kind, 0, status, stream_id) + payload


class FrameDecoder:
    """Splits a byte stream into frames, enforcing the receiver's rules of PROTOCOL.md section 2
    (from the server's side of them: a server never sends REQUEST or CANCEL)."""

    def __init__(self, max_frame_bytes: int) -> None:
        self.max_frame_bytes = max_frame_bytes
        self._buffer = bytearray()

    def feed(self, data: bytes) -> List[Frame]:
        """The frames completed by ``data``.

        Raises:
            ProtocolError: a frame breaks the rules (its ``code`` is the GOAWAY status a receiver
                answers it with); the stream cannot be read further.
        """
        buffer = self._buffer
        buffer += data
        frames: List[Frame] = []
        offset = 0
        size = len(buffer)
        while size - offset >= 4:
            (length,) = struct.unpack_from(">I", buffer, offset)
            if length > self.max_frame_bytes:
                raise _violation(StatusCode.RESOURCE_EXHAUSTED,
                                 f"frame of {length} bytes exceeds this client's maximum of {self.max_frame_bytes}")
            if length < 8:
                raise _violation(StatusCode.INVALID_ARGUMENT, f"frame length {length} is shorter than its header")
            if size - offset < 4 + length:
                break
            _, kind, flags, status, stream_id = HEADER.unpack_from(buffer, offset)
            payload = bytes(buffer[offset + HEADER_BYTES:offset + 4 + length])
            offset += 4 + length
            frames.append(_checked(kind, flags, status, stream_id, payload))
        if offset:
            del buffer[:offset]
        return frames


def _violation(code: StatusCode, message: str) -> ProtocolError:
    error = ProtocolError(message)
    #: The status of the GOAWAY a receiver answers this violation with.
    error.goaway_status = code  # type: ignore[attr-defined]
    return error


def _checked(kind: int, flags: int, status: int, stream_id: int, payload: bytes) -> Frame:
    if not 1 <= kind <= 7:
        raise _violation(StatusCode.INVALID_ARGUMENT, f"unknown frame kind {kind}")
    k = FrameKind(kind)
    if flags != 0:
        raise _violation(StatusCode.INVALID_ARGUMENT, f"frame flags {flags:#x} (v1 has none)")
    if status > 16 or status != 0 and k not in (FrameKind.RESPONSE, FrameKind.GOAWAY):
        raise _violation(StatusCode.INVALID_ARGUMENT, f"status {status} on a {k.name} frame")
    if k in (FrameKind.REQUEST, FrameKind.CANCEL):
        raise _violation(StatusCode.INVALID_ARGUMENT, f"a server sent {k.name}")
    if k is FrameKind.RESPONSE:
        if stream_id == 0:
            raise _violation(StatusCode.INVALID_ARGUMENT, "RESPONSE on stream 0")
    elif stream_id != 0:
        raise _violation(StatusCode.INVALID_ARGUMENT, f"{k.name} on stream {stream_id}")
    if k in (FrameKind.PING, FrameKind.PONG) and len(payload) != PING_BYTES:
        raise _violation(StatusCode.INVALID_ARGUMENT, f"{k.name} payload of {len(payload)} bytes (must be 8)")
    return Frame(k, status, stream_id, payload)


# MARK: payloads

def _loads(payload: bytes, what: str) -> Any:
    try:
        return cbor2.loads(payload)
    except Exception as error:  # cbor2 raises CBORDecodeError and, for some inputs, ValueError
        raise ProtocolError(f"undecodable {what}: {error}") from None


def hello_payload(peer: str, max_frame_bytes: int) -> bytes:
    return cbor2.dumps({"protocol": PROTOCOL, "version": VERSION, "peer": peer, "maxFrameBytes": max_frame_bytes})


@dataclass(frozen=True)
class ServerHello:
    peer: str
    max_frame_bytes: int


def parse_hello(payload: bytes) -> ServerHello:
    hello = _loads(payload, "HELLO")
    if not isinstance(hello, dict) or hello.get("protocol") != PROTOCOL:
        raise ProtocolError(f"the server's HELLO is not webprofiles: {hello!r:.200}")
    if hello.get("version") != VERSION:
        raise ProtocolError(f"the server speaks version {hello.get('version')!r}, this client {VERSION}")
    max_frame = hello.get("maxFrameBytes")
    if isinstance(max_frame, bool) or not isinstance(max_frame, int) or max_frame < MIN_MAX_FRAME_BYTES:
        raise ProtocolError(f"the server's HELLO has an invalid maxFrameBytes {max_frame!r}")
    peer = hello.get("peer")
    return ServerHello(peer if isinstance(peer, str) else "?", max_frame)


@dataclass(frozen=True)
class GoAway:
    status: StatusCode
    last_stream_id: int
    message: str

    def error(self) -> WebProfilesError:
        """The error of a call the GOAWAY ended."""
        text = f"the server closed the connection: {self.message}"
        if self.status == StatusCode.OK:
            return Unavailable(text)
        return error_for(self.status, text)


def parse_goaway(status: int, payload: bytes) -> GoAway:
    body = _loads(payload, "GOAWAY") if payload else {}
    if not isinstance(body, dict):
        body = {}
    last = body.get("lastStreamId")
    message = body.get("message")
    return GoAway(StatusCode.of(status), last if isinstance(last, int) and not isinstance(last, bool) else 0,
                  message if isinstance(message, str) else "GOAWAY")


def goaway_payload(last_stream_id: int, message: str) -> bytes:
    return cbor2.dumps({"lastStreamId": last_stream_id, "message": message})


def encode_request(method: str, message: Mapping[str, Any], timeout_millis: Optional[int],
                   metadata: Optional[Mapping[str, str]]) -> bytes:
    """A REQUEST payload (section 4.2), keys in the order of the golden vectors."""
    envelope: Dict[str, Any] = {"method": method, "message": message}
    if timeout_millis is not None:
        envelope["timeoutMillis"] = timeout_millis
    if metadata:
        envelope["metadata"] = metadata
    return cbor2.dumps(envelope)


def decode_response(method: str, status: int, payload: bytes) -> Dict[str, Any]:
    """The response message of a RESPONSE frame with status OK, as a map.

    Raises:
        WebProfilesError: the call's error (the subclass of its status) for any other status;
            ProtocolError when the payload does not decode.
    """
    body = _loads(payload, f"answer to {method}")
    if status == 0:
        message = body.get("message") if isinstance(body, dict) else None
        if not isinstance(message, dict):
            raise ProtocolError(f"answer to {method} has no message map", method=method)
        return message
    error = body.get("error") if isinstance(body, dict) else None
    text, details = StatusCode.of(status).name, None
    if isinstance(error, dict):
        if isinstance(error.get("message"), str):
            text = error["message"]
        if isinstance(error.get("details"), dict):
            details = error["details"]
    raise error_for(status, text, details, method)


# MARK: the connection

W = TypeVar("W")


class Event:
    """Something :meth:`Multiplexer.receive` asks the I/O layer to do."""

    __slots__ = ()


class Answered(Event, Generic[W]):
    """A call's RESPONSE arrived."""

    __slots__ = ("waiter", "status", "payload")

    def __init__(self, waiter: W, status: int, payload: bytes) -> None:
        self.waiter, self.status, self.payload = waiter, status, payload


class Retry(Event, Generic[W]):
    """A call the server will never run (its id is above a GOAWAY's lastStreamId): safe to send again
    on another connection."""

    __slots__ = ("waiter", "goaway")

    def __init__(self, waiter: W, goaway: GoAway) -> None:
        self.waiter, self.goaway = waiter, goaway


class Failed(Event, Generic[W]):
    """A call ended without an answer (the connection broke or was closed for an error)."""

    __slots__ = ("waiter", "error")

    def __init__(self, waiter: W, error: WebProfilesError) -> None:
        self.waiter, self.error = waiter, error


class Send(Event):
    """Bytes to write (a PONG)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


class Ponged(Event, Generic[W]):
    """The answer to one of our PINGs."""

    __slots__ = ("waiter", "seconds")

    def __init__(self, waiter: W, seconds: float) -> None:
        self.waiter, self.seconds = waiter, seconds


class Ready(Event):
    """The server's HELLO arrived: calls may start."""

    __slots__ = ("hello",)

    def __init__(self, hello: ServerHello) -> None:
        self.hello = hello


class Closing(Event):
    """The server sent GOAWAY: no new call goes on this connection."""

    __slots__ = ("goaway",)

    def __init__(self, goaway: GoAway) -> None:
        self.goaway = goaway


class State(enum.Enum):
    HANDSHAKE = "handshake"
    OPEN = "open"
    #: GOAWAY sent or received: calls in flight finish, no new ones start.
    DRAINING = "draining"
    CLOSED = "closed"


class Multiplexer(Generic[W]):
    """The calls of one connection, by stream id, without I/O.

    ``W`` is whatever the I/O layer waits on (a future). The multiplexer is not thread-safe: the
    blocking client serialises access with a lock; the asyncio client uses it from its loop only.
    """

    def __init__(self, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES) -> None:
        self.max_frame_bytes = max_frame_bytes
        self.state = State.HANDSHAKE
        self.server: Optional[ServerHello] = None
        self.goaway: Optional[GoAway] = None
        #: Streams sent and not answered yet. A cancelled call keeps its id (with no waiter) until
        #: the server's answer frees it, so an id is never reused while the server may still answer it.
        self._streams: Dict[int, Optional[W]] = {}
        self._pings: Dict[bytes, Tuple[W, float]] = {}
        self._next_id = 1
        self._highest_sent = 0
        self._ping_counter = itertools.count(1)
        self._decoder = FrameDecoder(max_frame_bytes)

    # What the I/O layer asks

    @property
    def streams_open(self) -> int:
        """Streams the server has not answered yet (cancelled ones included)."""
        return len(self._streams)

    @property
    def accepts_calls(self) -> bool:
        return self.state is State.OPEN

    @property
    def finished(self) -> bool:
        """Draining with nothing left to wait for: the connection can be closed."""
        return self.state is State.DRAINING and not self._streams and not self._pings or self.state is State.CLOSED

    def hello(self, peer: str) -> bytes:
        return encode_frame(FrameKind.HELLO, hello_payload(peer, self.max_frame_bytes))

    def start(self, payload: bytes, waiter: W) -> Tuple[int, bytes]:
        """Registers a call: its stream id and the REQUEST frame to write (at once, before any other
        REQUEST, so that ids reach the server in order).

        Raises:
            Unavailable: the connection takes no new calls (the caller opens another).
            ResourceExhausted: the frame is larger than the server accepts.
        """
        if self.state is not State.OPEN:
            raise Unavailable(f"connection is {self.state.value}")
        assert self.server is not None
        if 8 + len(payload) > self.server.max_frame_bytes:
            raise ResourceExhausted(f"request of {8 + len(payload)} bytes exceeds the server's maximum frame of "
                                    f"{self.server.max_frame_bytes}")
        stream_id = self._allocate()
        self._streams[stream_id] = waiter
        self._highest_sent = stream_id
        return stream_id, encode_frame(FrameKind.REQUEST, payload, 0, stream_id)

    def waiting(self, stream_id: int) -> bool:
        """Whether a call of this id still waits for its answer (not answered, not cancelled)."""
        return self._streams.get(stream_id) is not None

    def cancel(self, stream_id: int) -> Optional[bytes]:
        """Forgets the waiter of a call; the CANCEL frame to write, or None when there is nothing to
        cancel (answered already, or the connection is gone)."""
        if self._streams.get(stream_id) is None:
            return None
        self._streams[stream_id] = None
        if self.state is State.CLOSED:
            return None
        return encode_frame(FrameKind.CANCEL, b"", 0, stream_id)

    def ping(self, waiter: W) -> Tuple[bytes, bytes]:
        """Registers a PING: its payload (the key to :meth:`forget_ping`) and the frame to write."""
        if self.state not in (State.OPEN, State.DRAINING):
            raise Unavailable(f"connection is {self.state.value}")
        data = struct.pack(">Q", next(self._ping_counter))
        self._pings[data] = (waiter, time.monotonic())
        return data, encode_frame(FrameKind.PING, data)

    def forget_ping(self, key: bytes) -> bool:
        """Stops waiting for a PONG; False when it arrived meanwhile."""
        return self._pings.pop(key, None) is not None

    def close_gracefully(self, message: str = "client closing") -> Optional[bytes]:
        """Client-side GOAWAY: no new calls; those in flight are still answered. The frame to write,
        or None when the connection is not open."""
        if self.state is not State.OPEN:
            return None
        self.state = State.DRAINING
        return encode_frame(FrameKind.GOAWAY, goaway_payload(self._highest_sent, message))

    def lost(self, error: WebProfilesError) -> List[Event]:
        """The connection ended: every waiting call and ping fails with ``error``."""
        events: List[Event] = []
        if self.state is not State.CLOSED:
            self.state = State.CLOSED
        for waiter in self._streams.values():
            if waiter is not None:
                events.append(Failed(waiter, error))
        for waiter, _ in self._pings.values():
            events.append(Failed(waiter, error))
        self._streams.clear()
        self._pings.clear()
        return events

    def receive(self, data: bytes) -> List[Event]:
        """Feeds bytes read from the socket.

        Raises:
            ProtocolError: the server broke the protocol. The I/O layer sends the GOAWAY that
                :func:`violation_goaway` makes, closes, and fails the calls with :meth:`lost`.
        """
        events: List[Event] = []
        for frame in self._decoder.feed(data):
            self._frame(frame, events)
        return events

    # Internals

    def _allocate(self) -> int:
        candidate = self._next_id
        while candidate in self._streams:  # only after 2^32 calls on one connection
            candidate = candidate + 1 if candidate < MAX_STREAM_ID else 1
        self._next_id = candidate + 1 if candidate < MAX_STREAM_ID else 1
        return candidate

    def _frame(self, frame: Frame, events: List[Event]) -> None:
        kind = frame.kind
        if self.state is State.HANDSHAKE:
            if kind is FrameKind.HELLO:
                self.server = parse_hello(frame.payload)
                self.state = State.OPEN
                events.append(Ready(self.server))
                return
            if kind is FrameKind.GOAWAY:
                goaway = parse_goaway(frame.status, frame.payload)
                self.goaway = goaway
                self.state = State.CLOSED
                events.append(Closing(goaway))
                return
            raise _violation(StatusCode.INVALID_ARGUMENT, f"the server's first frame is {kind.name}, not HELLO")
        if kind is FrameKind.RESPONSE:
            if frame.stream_id in self._streams:
                waiter = self._streams.pop(frame.stream_id)
                if waiter is not None:
                    events.append(Answered(waiter, frame.status, frame.payload))
            # else: an answer to a call already given up on by a GOAWAY retry: nothing waits for it.
        elif kind is FrameKind.PING:
            events.append(Send(encode_frame(FrameKind.PONG, frame.payload)))
        elif kind is FrameKind.PONG:
            entry = self._pings.pop(frame.payload, None)
            if entry is not None:
                events.append(Ponged(entry[0], time.monotonic() - entry[1]))
        elif kind is FrameKind.GOAWAY:
            self._goaway(parse_goaway(frame.status, frame.payload), events)
        elif kind is FrameKind.HELLO:
            raise _violation(StatusCode.INVALID_ARGUMENT, "a second HELLO from the server")

    def _goaway(self, goaway: GoAway, events: List[Event]) -> None:
        self.goaway = goaway
        self.state = State.DRAINING if goaway.status == StatusCode.OK else State.CLOSED
        events.append(Closing(goaway))
        for stream_id in [s for s in self._streams if s > goaway.last_stream_id]:
            waiter = self._streams.pop(stream_id)
            if waiter is not None:
                events.append(Retry(waiter, goaway))
        if goaway.status != StatusCode.OK:
            # A protocol violation: the server closes at once, the remaining calls get no answer.
            error = goaway.error()
            for waiter in self._streams.values():
                if waiter is not None:
                    events.append(Failed(waiter, error))
            self._streams.clear()


def violation_goaway(error: ProtocolError) -> bytes:
    """The GOAWAY a client sends before closing a connection whose server broke the protocol."""
    status = getattr(error, "goaway_status", StatusCode.INVALID_ARGUMENT)
    return encode_frame(FrameKind.GOAWAY, goaway_payload(0, error.message[:200]), int(status))


# MARK: call options shared by both clients

Metadata = Mapping[str, str]


def call_metadata(default: Optional[Metadata], token: Optional[str], given: Optional[Metadata]) -> Optional[Dict[str, str]]:
    """The metadata of one call: the client's defaults, then the call's own, then the token."""
    if not default and not given and token is None:
        return None
    merged: Dict[str, str] = dict(default) if default else {}
    if given:
        merged.update(given)
    if token is not None:
        merged["authorization"] = "Bearer " + token
    return merged


def effective_deadline(timeout: Optional[float], deadline: Optional[float], default_timeout: Optional[float],
                       now: float) -> Optional[float]:
    """The call's absolute deadline on the ``time.monotonic()`` clock: the earlier of ``deadline``
    and ``now + timeout`` (the client's default timeout when the call gives neither)."""
    if timeout is None and deadline is None:
        timeout = default_timeout
    candidates = [d for d in (deadline, None if timeout is None else now + timeout) if d is not None]
    return min(candidates) if candidates else None


def timeout_millis(deadline: Optional[float], now: float) -> Optional[int]:
    """``timeoutMillis`` for a deadline (rounded up, so the server never gives up before the client)."""
    if deadline is None:
        return None
    return max(0, math.ceil((deadline - now) * 1000))


__all__ = [
    "FrameKind", "Frame", "encode_frame", "FrameDecoder", "ServerHello", "GoAway", "Multiplexer", "State",
    "Answered", "Retry", "Failed", "Send", "Ponged", "Ready", "Closing", "encode_request", "decode_response",
    "DEFAULT_MAX_FRAME_BYTES",
]

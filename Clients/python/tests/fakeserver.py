"""A scripted webprofiles server on a Unix socket, for what the real daemon does not do on demand
(PING a client, GOAWAY at a chosen stream, a malformed frame). Each accepted connection runs the
test's handler in a thread; a handler's failure is raised again by :meth:`FakeServer.close`."""
import os
import socket
import struct
import tempfile
import threading
from typing import Callable, List, Optional

import cbor2

HELLO, REQUEST, RESPONSE, CANCEL, PING, PONG, GOAWAY = range(1, 8)
HEALTH = "webprofiles.v1.Health/Check"
HEALTH_ANSWER = {"status": "serving", "version": "0.1.0", "uptimeSeconds": 1.5, "storage": "ok"}


class Frame:
    def __init__(self, kind: int, status: int, stream_id: int, payload: bytes) -> None:
        self.kind, self.status, self.stream_id, self.payload = kind, status, stream_id, payload

    @property
    def value(self):
        return cbor2.loads(self.payload) if self.payload else None

    def __repr__(self) -> str:
        return f"Frame(kind={self.kind}, status={self.status}, stream={self.stream_id}, {len(self.payload)} bytes)"


class Peer:
    """The server's side of one connection."""

    def __init__(self, sock: socket.socket, index: int) -> None:
        self.sock = sock
        self.index = index  # 0 for the first connection the server accepted
        self.sock.settimeout(10)
        self.received: List[Frame] = []
        self._backlog: List[Frame] = []  # frames read_kind passed over, in order

    def read(self) -> Optional[Frame]:
        """The next frame (one read_kind passed over first), None at end of stream."""
        if self._backlog:
            return self._backlog.pop(0)
        return self._read()

    def _read(self) -> Optional[Frame]:
        header = self._exactly(12)
        if header is None:
            return None
        length, kind, _flags, status, stream_id = struct.unpack(">IBBHI", header)
        payload = self._exactly(length - 8) if length > 8 else b""
        frame = Frame(kind, status, stream_id, payload or b"")
        self.received.append(frame)
        return frame

    def read_kind(self, kind: int) -> Frame:
        """The next frame of this kind; the others stay for later reads, in order."""
        for index, frame in enumerate(self._backlog):
            if frame.kind == kind:
                return self._backlog.pop(index)
        while True:
            frame = self._read()
            assert frame is not None, f"connection closed while waiting for kind {kind}"
            if frame.kind == kind:
                return frame
            self._backlog.append(frame)

    def _exactly(self, n: int) -> Optional[bytes]:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def send(self, kind: int, payload: bytes = b"", status: int = 0, stream_id: int = 0) -> None:
        self.sock.sendall(struct.pack(">IBBHI", 8 + len(payload), kind, 0, status, stream_id) + payload)

    def hello(self, max_frame_bytes: int = 1 << 20) -> dict:
        """Reads the client's HELLO and answers with the server's."""
        frame = self.read()
        assert frame is not None and frame.kind == HELLO, frame
        self.send(HELLO, cbor2.dumps({"protocol": "webprofiles", "version": 1, "peer": "fake/1",
                                      "maxFrameBytes": max_frame_bytes}))
        return frame.value

    def answer(self, stream_id: int, message: dict) -> None:
        self.send(RESPONSE, cbor2.dumps({"message": message}), 0, stream_id)

    def fail(self, stream_id: int, status: int, message: str) -> None:
        self.send(RESPONSE, cbor2.dumps({"error": {"message": message}}), status, stream_id)

    def goaway(self, last_stream_id: int, message: str = "server is shutting down", status: int = 0) -> None:
        self.send(GOAWAY, cbor2.dumps({"lastStreamId": last_stream_id, "message": message}), status)

    def requests(self, count: int) -> List[Frame]:
        return [self.read_kind(REQUEST) for _ in range(count)]

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class FakeServer:
    def __init__(self, handler: Callable[[Peer], None]) -> None:
        self.folder = tempfile.mkdtemp(prefix="wp-fake-")
        self.path = os.path.join(self.folder, "fake.sock")
        self.handler = handler
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(16)
        self.peers: List[Peer] = []
        self.errors: List[BaseException] = []
        self._threads: List[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    @property
    def connections(self) -> int:
        return len(self.peers)

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            peer = Peer(sock, len(self.peers))
            self.peers.append(peer)
            thread = threading.Thread(target=self._run, args=(peer,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _run(self, peer: Peer) -> None:
        try:
            self.handler(peer)
        except BaseException as error:  # reported by close()
            self.errors.append(error)
        finally:
            peer.close()

    def join(self) -> None:
        """Waits for the handlers of the connections accepted so far to end (the client closed),
        so that what they collected can be asserted; raises a handler's failure."""
        for thread in list(self._threads):
            thread.join(10)
            assert not thread.is_alive(), "a fake server's handler is still running"
        if self.errors:
            raise self.errors[0]

    def close(self) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        except OSError:
            pass
        self.listener.close()
        self._accepting.join(10)
        for thread in self._threads:
            thread.join(10)
        os.unlink(self.path)
        os.rmdir(self.folder)
        if self.errors:
            raise self.errors[0]

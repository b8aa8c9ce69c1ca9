"""A webprofiles v1 client written from Protocol/PROTOCOL.md alone (plus the cbor2 package).

The test suites check its traffic against Protocol/webprofiles.cddl (wp_schema.install())."""
import socket
import struct

import cbor2

HELLO, REQUEST, RESPONSE, CANCEL, PING, PONG, GOAWAY = range(1, 8)
STATUS = {0: "OK", 1: "CANCELLED", 2: "UNKNOWN", 3: "INVALID_ARGUMENT", 4: "DEADLINE_EXCEEDED", 5: "NOT_FOUND",
          6: "ALREADY_EXISTS", 7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED", 9: "FAILED_PRECONDITION",
          10: "ABORTED", 11: "OUT_OF_RANGE", 12: "UNIMPLEMENTED", 13: "INTERNAL", 14: "UNAVAILABLE",
          15: "DATA_LOSS", 16: "UNAUTHENTICATED"}


class Frame:
    def __init__(self, kind, status, stream_id, payload):
        self.kind, self.status, self.stream_id, self.payload = kind, status, stream_id, payload

    @property
    def value(self):
        return cbor2.loads(self.payload) if self.payload else None

    @property
    def status_name(self):
        return STATUS.get(self.status, str(self.status))


def encode_frame(kind, payload=b"", status=0, stream_id=0):
    return struct.pack(">IBBHI", 8 + len(payload), kind, 0, status, stream_id) + payload


class Connection:
    # Set by wp_schema.install(): checks the requests sent with start_call and every frame read.
    schema = None

    def __init__(self, path, timeout=5.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.next_stream = 1
        # The method of each call started and not yet answered, by stream id.
        self.methods = {}

    def close(self):
        self.sock.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, kind, payload=b"", stream_id=0):
        self.send_raw(encode_frame(kind, payload, 0, stream_id))

    def _read_exactly(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def read_frame(self):
        """The next frame, or None at end of stream."""
        header = self._read_exactly(12)
        if header is None:
            return None
        length, kind, flags, status, stream_id = struct.unpack(">IBBHI", header)
        payload = self._read_exactly(length - 8) if length > 8 else b""
        frame = Frame(kind, status, stream_id, payload)
        method = self.methods.pop(stream_id, None) if kind == RESPONSE else None
        if self.schema and payload is not None:
            self.schema.check_frame(frame, method)
        return frame

    def closed_by_peer(self):
        try:
            return self.sock.recv(1) == b""
        except (ConnectionResetError, socket.timeout):
            return False

    def hello(self):
        payload = cbor2.dumps({"protocol": "webprofiles", "version": 1, "peer": "python-interop/1.0", "maxFrameBytes": 1 << 20})
        if self.schema:
            self.schema.check_hello(payload)
        self.send(HELLO, payload)
        reply = self.read_frame()
        assert reply is not None and reply.kind == HELLO, "server did not answer HELLO"
        hello = reply.value
        assert hello["protocol"] == "webprofiles" and hello["version"] == 1
        return hello

    def start_call(self, method, message, timeout_millis=None, metadata=None, check_request=True):
        """Sends a REQUEST; check_request=False for one the test means to be invalid."""
        stream_id = self.next_stream
        self.next_stream += 1
        request = {"method": method, "message": message}
        if timeout_millis is not None:
            request["timeoutMillis"] = timeout_millis
        if metadata:
            request["metadata"] = metadata
        payload = cbor2.dumps(request)
        if self.schema and check_request:
            self.schema.check_request(method, payload)
        self.methods[stream_id] = method
        self.send(REQUEST, payload, stream_id)
        return stream_id

    def call(self, method, message, **kwargs):
        """Returns (status name, message or error map)."""
        stream_id = self.start_call(method, message, **kwargs)
        while True:
            frame = self.read_frame()
            assert frame is not None, "connection closed during the call"
            if frame.kind == RESPONSE and frame.stream_id == stream_id:
                body = frame.value
                return frame.status_name, body["message"] if frame.status == 0 else body["error"]

"""Hand-written CBOR heads for documents no well-behaved encoder produces (container keys,
millions of items), and the hostile frames of the hostile-input suite."""
import struct


def head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    if n < 1 << 8:
        return bytes([major << 5 | 24, n])
    if n < 1 << 16:
        return bytes([major << 5 | 25]) + n.to_bytes(2, "big")
    if n < 1 << 32:
        return bytes([major << 5 | 26]) + n.to_bytes(4, "big")
    return bytes([major << 5 | 27]) + n.to_bytes(8, "big")


def uint(n):
    return head(0, n)


def text(s):
    b = s.encode()
    return head(3, len(b)) + b


def byte_string(b):
    return head(2, len(b)) + b


def array_of_zeros(n):
    return head(4, n) + b"\x00" * n


def text_map(pairs):
    """pairs: list of (str, encoded value)."""
    return head(5, len(pairs)) + b"".join(text(k) + v for k, v in pairs)


def nested_key_maps(depth, keys, inner):
    """`depth` maps of `keys` keys, each map being a key of the next, around `inner`."""
    current = inner
    for _ in range(depth):
        m = head(5, keys) + current + uint(0)
        for k in range(1, keys):
            m += uint(k) + uint(0)
        current = m
    return current


def request(method, message, extra=()):
    """A REQUEST payload {method, message, *extra} with `message` already encoded."""
    return text_map([("method", text(method)), ("message", message)] + list(extra))


def frame(kind, payload=b"", stream_id=0, status=0):
    return struct.pack(">IBBHI", 8 + len(payload), kind, 0, status, stream_id) + payload

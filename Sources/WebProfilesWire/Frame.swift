import NIOCore

/// One frame of the webprofiles v1 protocol (see Protocol/PROTOCOL.md).
///
/// ```
/// offset size field
/// 0      4    length    bytes after this field: 8 + payload length
/// 4      1    kind
/// 5      1    flags     0 in v1
/// 6      2    status    RESPONSE and GOAWAY only
/// 8      4    streamId  REQUEST, RESPONSE and CANCEL only
/// 12     …    payload
/// ```
public struct Frame: Hashable, Sendable {
    /// Bytes of the header after the length field.
    public static let headerBytesAfterLength = 8
    /// Bytes of the whole header, length field included.
    public static let headerBytes = 12
    /// The default bound on the length field (1 MiB).
    public static let defaultMaxFrameBytes = 1 << 20

    public var kind: FrameKind
    public var status: StatusCode
    public var streamID: UInt32
    public var payload: ByteBuffer

    public init(kind: FrameKind, status: StatusCode = .ok, streamID: UInt32 = 0, payload: ByteBuffer = ByteBuffer()) {
        self.kind = kind
        self.status = status
        self.streamID = streamID
        self.payload = payload
    }

    /// The value of the length field for this frame.
    public var lengthField: Int { Self.headerBytesAfterLength + payload.readableBytes }

    /// Appends the frame's wire form to `buffer`.
    public func write(to buffer: inout ByteBuffer) {
        buffer.reserveCapacity(minimumWritableBytes: Self.headerBytes + payload.readableBytes)
        buffer.writeInteger(UInt32(lengthField))
        buffer.writeInteger(kind.rawValue)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(status.rawValue)
        buffer.writeInteger(streamID)
        var payload = payload
        buffer.writeBuffer(&payload)
    }

    /// Makes `buffer`, a payload buffer from ``payloadBuffer(capacity:allocator:)`` with the
    /// payload written, into the whole frame: the header goes into the room left before the
    /// payload, so nothing is copied (keep `buffer` uniquely referenced, or it is copied on write).
    public static func frameInPlace(_ buffer: inout ByteBuffer, kind: FrameKind, status: StatusCode = .ok, streamID: UInt32 = 0) {
        precondition(buffer.readerIndex >= headerBytes, "a payload buffer without room for the header")
        let start = buffer.readerIndex - headerBytes
        buffer.setInteger(UInt32(headerBytesAfterLength + buffer.readableBytes), at: start)
        buffer.setInteger(kind.rawValue, at: start + 4)
        buffer.setInteger(UInt8(0), at: start + 5)
        buffer.setInteger(status.rawValue, at: start + 6)
        buffer.setInteger(streamID, at: start + 8)
        buffer.moveReaderIndex(to: start)
    }

    /// An empty payload buffer with room for `capacity` payload bytes and the header before
    /// them, for ``frameInPlace(_:kind:status:streamID:)``: one allocation for the whole frame.
    public static func payloadBuffer(capacity: Int, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: headerBytes + capacity)
        buffer.moveWriterIndex(forwardBy: headerBytes)
        buffer.moveReaderIndex(forwardBy: headerBytes)
        return buffer
    }
}

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
}

import NIOCore

/// Splits a byte stream into ``Frame``s and checks every header field before the payload is
/// buffered: an oversized length is refused as soon as its four bytes arrive.
///
/// Usable as a NIO `ByteToMessageDecoder` (the client pipeline, `EmbeddedChannel` tests) and
/// through `NIOSingleStepByteToMessageProcessor` (the server connection, which also needs to
/// know whether a frame is partially received, for the slow-sender deadline).
public struct FrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = Frame

    /// Where the decoder stands in the byte stream.
    enum State {
        /// Waiting for the 12 header bytes.
        case header
        /// Header checked (not consumed, so a partial frame stays visible as unprocessed bytes);
        /// waiting until the whole frame is buffered.
        case payload(kind: FrameKind, status: StatusCode, streamID: UInt32, payloadBytes: Int)
        /// A violation was found: nothing more is decoded.
        case failed(FrameError)
    }

    /// The largest accepted length field.
    public let maxFrameBytes: Int
    var state: State = .header

    public init(maxFrameBytes: Int = Frame.defaultMaxFrameBytes) {
        self.maxFrameBytes = maxFrameBytes
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> Frame? {
        while true {
            switch state {
            case .failed(let error):
                throw error
            case .header:
                // The length field alone is enough to refuse an oversized frame.
                guard let length: UInt32 = buffer.getInteger(at: buffer.readerIndex) else { return nil }
                if Int(length) > maxFrameBytes {
                    return try fail(.resourceExhausted, "frame length \(length) exceeds the maximum of \(maxFrameBytes)")
                }
                if Int(length) < Frame.headerBytesAfterLength {
                    return try fail(.invalidArgument, "frame length \(length) is shorter than the 8-byte header")
                }
                let at = buffer.readerIndex
                guard buffer.readableBytes >= Frame.headerBytes,
                      let kindByte: UInt8 = buffer.getInteger(at: at + 4),
                      let flags: UInt8 = buffer.getInteger(at: at + 5),
                      let status: UInt16 = buffer.getInteger(at: at + 6),
                      let streamID: UInt32 = buffer.getInteger(at: at + 8)
                else { return nil }
                guard let kind = FrameKind(rawValue: kindByte) else {
                    return try fail(.invalidArgument, "unknown frame kind \(kindByte)")
                }
                guard flags == 0 else {
                    return try fail(.invalidArgument, "\(kind) frame has flags 0x\(String(flags, radix: 16)); v1 requires 0")
                }
                if !kind.hasStatus && status != 0 {
                    return try fail(.invalidArgument, "\(kind) frame has status \(status); it must be 0")
                }
                if kind.hasStatus && status > 16 {
                    return try fail(.invalidArgument, "\(kind) frame has status \(status) outside 0...16")
                }
                if kind.hasStreamID && streamID == 0 {
                    return try fail(.invalidArgument, "\(kind) frame has stream id 0")
                }
                if !kind.hasStreamID && streamID != 0 {
                    return try fail(.invalidArgument, "\(kind) frame has stream id \(streamID); it must be 0")
                }
                let payloadBytes = Int(length) - Frame.headerBytesAfterLength
                if kind == .ping || kind == .pong, payloadBytes != 8 {
                    return try fail(.invalidArgument, "\(kind) payload is \(payloadBytes) bytes; it must be 8")
                }
                if kind == .cancel, payloadBytes != 0 {
                    return try fail(.invalidArgument, "CANCEL payload must be empty")
                }
                state = .payload(kind: kind, status: StatusCode(rawValue: status), streamID: streamID, payloadBytes: payloadBytes)
            case .payload(let kind, let status, let streamID, let payloadBytes):
                guard buffer.readableBytes >= Frame.headerBytes + payloadBytes else { return nil }
                buffer.moveReaderIndex(forwardBy: Frame.headerBytes)
                guard let payload = buffer.readSlice(length: payloadBytes) else { return nil }
                state = .header
                return Frame(kind: kind, status: status, streamID: streamID, payload: payload)
            }
        }
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> Frame? {
        try decode(buffer: &buffer)
    }

    private mutating func fail(_ status: StatusCode, _ message: String) throws -> Frame? {
        let error = FrameError(status: status, message: message)
        state = .failed(error)
        throw error
    }
}

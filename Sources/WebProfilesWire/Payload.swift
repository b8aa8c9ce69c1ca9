import CBOR
import NIOCore

/// Encoding and decoding of frame payloads (one CBOR data item each).
public enum Payload {
    /// The most data items a REQUEST or HELLO payload may hold (Protocol/PROTOCOL.md, section 3).
    /// The largest message of the API, `Operator/AddLines` with 1000 lines, needs about 5,000.
    public static let maxRequestItems = 8192

    /// How the server parses what a client sends: nesting up to 64, at most
    /// ``maxRequestItems`` items, text keys only.
    public static let peerLimits = CBORDocument.Limits(maxDepth: CBORDocument.defaultMaxDepth, maxItems: maxRequestItems, textKeysOnly: true)

    /// How a client parses the server's answers: text keys only, and a bound on items generous
    /// enough for the largest listing (500 registrations or audit events).
    public static let responseLimits = CBORDocument.Limits(maxDepth: CBORDocument.defaultMaxDepth, maxItems: 1 << 20, textKeysOnly: true)

    /// Encodes `value` into a buffer for a frame payload.
    public static func encode<T: Encodable>(_ value: T) throws -> ByteBuffer {
        let bytes = try CBOREncoder().encode(value)
        return ByteBuffer(bytes: bytes)
    }

    /// Parses a payload into a validated document.
    public static func document(_ buffer: ByteBuffer, limits: CBORDocument.Limits) throws(CBORError) -> CBORDocument {
        try CBORDocument(bytes: Array(buffer.readableBytesView), limits: limits)
    }

    /// Decodes a whole payload as `T`.
    public static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer, limits: CBORDocument.Limits) throws -> T {
        try CBORDecoder(limits: limits).decode(type, from: Array(buffer.readableBytesView))
    }
}

import CBOR
import NIOCore

/// Encoding and decoding of frame payloads (one CBOR data item each).
public enum Payload {
    /// Encodes `value` into a buffer for a frame payload.
    public static func encode<T: Encodable>(_ value: T) throws -> ByteBuffer {
        let bytes = try CBOREncoder().encode(value)
        return ByteBuffer(bytes: bytes)
    }

    /// Parses a payload into a validated document.
    public static func document(_ buffer: ByteBuffer) throws(CBORError) -> CBORDocument {
        try CBORDocument(bytes: Array(buffer.readableBytesView))
    }

    /// Decodes a whole payload as `T`.
    public static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        try CBORDecoder().decode(type, from: Array(buffer.readableBytesView))
    }
}

/// A value encoded once as one CBOR data item, which ``CBOREncoder`` then writes verbatim.
///
/// For parts of messages that are sent again and again unchanged (the daemon's cached
/// principal in every `Session/Authorize` answer): encoding them once saves the work on every
/// message. The bytes are those ``CBOREncoder`` produced for the value, so a message holding a
/// `CBOREncodedValue` encodes exactly as the message holding the value itself.
public struct CBOREncodedValue: Encodable, Sendable, Hashable {
    /// One complete CBOR data item.
    public let bytes: [UInt8]

    /// Bytes already encoded by ``CBOREncoder``: one complete data item, which the caller
    /// vouches for (they are written as they are).
    public init(encodedBytes bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Encodes `value` with ``CBOREncoder``.
    public init(encoding value: some Encodable) throws {
        bytes = try CBOREncoder().encode(value)
    }

    /// Written verbatim by ``CBOREncoder`` (also when reached through a wrapper's
    /// `encode(to:)`); any other encoder gets an error, as only CBOR can embed CBOR.
    public func encode(to encoder: any Encoder) throws {
        guard let cbor = encoder as? _CBOREncoder else {
            throw EncodingError.invalidValue(self, EncodingError.Context(
                codingPath: encoder.codingPath, debugDescription: "pre-encoded CBOR can only be written by CBOREncoder"))
        }
        cbor.state.writer.bytes.append(contentsOf: bytes)
    }
}

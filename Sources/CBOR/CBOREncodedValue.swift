/// A value encoded once as one CBOR data item, which ``CBOREncoder`` then writes verbatim.
///
/// For parts of messages that are sent again and again unchanged (the daemon's cached
/// principal in every `Session/Authorize` answer): encoding them once saves the work on every
/// message. The bytes are those ``CBOREncoder`` produced for the value, so a message holding a
/// `CBOREncodedValue` encodes exactly as the message holding the value itself.
public struct CBOREncodedValue: Encodable, Sendable, Hashable {
    /// One complete CBOR data item.
    public let bytes: [UInt8]

    /// Encodes `value` with ``CBOREncoder``.
    public init(encoding value: some Encodable) throws {
        bytes = try CBOREncoder().encode(value)
    }

    /// Only ``CBOREncoder`` can embed pre-encoded CBOR; any other encoder gets an error.
    public func encode(to encoder: any Encoder) throws {
        throw EncodingError.invalidValue(self, EncodingError.Context(
            codingPath: encoder.codingPath, debugDescription: "pre-encoded CBOR can only be written by CBOREncoder"))
    }
}

/// An error raised while encoding or decoding CBOR.
///
/// Modelled on gRPC's `RPCError`: a stable, extensible ``Code`` that callers switch on, and a
/// human-readable ``message`` that says what was wrong and where (byte offset or coding path).
public struct CBORError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable {
            case truncated, trailingBytes, lengthExceedsInput, duplicateMapKey, invalidUTF8
            case nestingTooDeep, typeMismatch, malformed, valueOutOfRange, missingKey, unsupported
            case tooManyItems, unsupportedKey
        }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The input ended before the data item was complete.
        public static let truncated = Code(.truncated)
        /// Bytes follow the single top-level data item.
        public static let trailingBytes = Code(.trailingBytes)
        /// A length or count claims more than the remaining input could hold.
        public static let lengthExceedsInput = Code(.lengthExceedsInput)
        /// A map holds the same key twice.
        public static let duplicateMapKey = Code(.duplicateMapKey)
        /// A text string is not valid UTF-8 (it is never repaired).
        public static let invalidUTF8 = Code(.invalidUTF8)
        /// Arrays, maps and tags nest deeper than the decoder's limit.
        public static let nestingTooDeep = Code(.nestingTooDeep)
        /// The data item is well formed but not of the type the Swift value needs.
        public static let typeMismatch = Code(.typeMismatch)
        /// The bytes are not well-formed CBOR (reserved additional information, a stray break…).
        public static let malformed = Code(.malformed)
        /// A number does not fit the Swift type asked for.
        public static let valueOutOfRange = Code(.valueOutOfRange)
        /// A map lacks a key the Swift type requires.
        public static let missingKey = Code(.missingKey)
        /// The value cannot be represented (for example an unsupported container use).
        public static let unsupported = Code(.unsupported)
        /// The document holds more data items than the parser's ``CBORDocument/Limits/maxItems``.
        public static let tooManyItems = Code(.tooManyItems)
        /// A map key is an array, a map or a tag, or not text where only text keys are allowed.
        public static let unsupportedKey = Code(.unsupportedKey)

        public var description: String {
            switch wrapped {
            case .truncated: "truncated"
            case .trailingBytes: "trailingBytes"
            case .lengthExceedsInput: "lengthExceedsInput"
            case .duplicateMapKey: "duplicateMapKey"
            case .invalidUTF8: "invalidUTF8"
            case .nestingTooDeep: "nestingTooDeep"
            case .typeMismatch: "typeMismatch"
            case .malformed: "malformed"
            case .valueOutOfRange: "valueOutOfRange"
            case .missingKey: "missingKey"
            case .unsupported: "unsupported"
            case .tooManyItems: "tooManyItems"
            case .unsupportedKey: "unsupportedKey"
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// What went wrong, with the byte offset or coding path where it happened.
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "CBOR \(code): \(message)" }
}

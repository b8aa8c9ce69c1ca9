import CBOR

/// A REQUEST payload read in place for the hot path: where the envelope's fields are, as byte
/// ranges of the payload, found without building a document or allocating.
///
/// Only the common shape is read: one definite-length map of `method`, `message` and
/// optionally `metadata` and `timeoutMillis`, each once, in the shortest CBOR form, with
/// printable-ASCII text, metadata of distinct keys within ``Metadata``'s rules, and nothing
/// after the map. Anything else gives nil and the general parser (``RequestParser``) decides,
/// with its exact error: whatever this view accepts, that parser accepts and reads the same way.
public struct RequestEnvelopeView {
    /// The method's name.
    public let method: Range<Int>
    /// The value of the `authorization` metadata entry.
    public let authorization: Range<Int>?
    /// The message: the range of its whole CBOR item.
    public let message: Range<Int>
    public let timeoutMillis: UInt64?

    /// Reads `bytes`, the whole payload.
    public init?(_ bytes: UnsafeRawBufferPointer) {
        var scanner = CBORScanner(bytes)
        guard let fields = scanner.mapCount(), (2...4).contains(fields) else { return nil }
        var method: Range<Int>?, message: Range<Int>?, authorization: Range<Int>?, timeout: UInt64?
        var sawMetadata = false, sawTimeout = false
        for _ in 0..<fields {
            guard let key = scanner.asciiText() else { return nil }
            if scanner.bytes(key, equal: "method") {
                guard method == nil, let value = scanner.asciiText() else { return nil }
                method = value
            } else if scanner.bytes(key, equal: "message") {
                guard message == nil else { return nil }
                let start = scanner.offset
                guard Self.skipFlatMap(&scanner) else { return nil }
                message = start..<scanner.offset
            } else if scanner.bytes(key, equal: "metadata") {
                guard !sawMetadata, let found = Self.readMetadata(&scanner) else { return nil }
                sawMetadata = true
                authorization = found
            } else if scanner.bytes(key, equal: "timeoutMillis") {
                guard !sawTimeout, let value = scanner.unsigned() else { return nil }
                sawTimeout = true
                timeout = value
            } else {
                return nil
            }
        }
        guard scanner.isAtEnd, let method, let message else { return nil }
        self.method = method
        self.message = message
        self.authorization = authorization
        self.timeoutMillis = timeout
    }

    /// A map whose keys and values are all ASCII text (a message of the hot path's methods).
    private static func skipFlatMap(_ scanner: inout CBORScanner) -> Bool {
        guard let count = scanner.mapCount(), count <= 16 else { return false }
        for _ in 0..<count {
            guard scanner.asciiText() != nil, scanner.asciiText() != nil else { return false }
        }
        return true
    }

    /// Metadata as ``Metadata/validate(_:)`` accepts it, with distinct keys: the value of its
    /// `authorization` entry, if any. Nil leaves the payload to the parser (so does metadata of
    /// more than four entries, more than the hot path's callers send).
    private static func readMetadata(_ scanner: inout CBORScanner) -> Range<Int>?? {
        let start = scanner.offset
        guard let count = scanner.mapCount(), count <= 4 else { return nil }
        var total = 0
        var authorization: Range<Int>?
        for index in 0..<count {
            guard let key = scanner.asciiText(), !key.isEmpty, let value = scanner.asciiText() else { return nil }
            for i in key where !Metadata.isKeyByte(scanner.bytes[i]) { return nil }
            // Distinct from the keys before it, read again from the map's start.
            var earlier = CBORScanner(scanner.bytes, offset: start)
            _ = earlier.mapCount()
            for _ in 0..<index {
                guard let other = earlier.asciiText(), earlier.asciiText() != nil else { return nil }
                if scanner.bytes(key, equal: other) { return nil }
            }
            total += key.count + value.count
            if scanner.bytes(key, equal: "authorization") { authorization = value }
        }
        guard total <= Metadata.maxBytes else { return nil }
        return .some(authorization)
    }
}

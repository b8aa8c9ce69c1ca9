/// The SHA-256 of a session token: the key of a session in memory, 32 bytes held inline, so
/// that hashing a token, looking it up and comparing it allocate nothing. The database keeps
/// its lowercase hex form (``hex``).
package struct SessionTokenHash: Hashable, Sendable {
    private let words: (UInt64, UInt64, UInt64, UInt64)

    /// The hash of a token's bytes.
    init(token: UnsafeRawBufferPointer) {
        // On the stack (swift-crypto's digest allocates a context per call): this runs on every call.
        let state = SHA256OnStack.hash(token)
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { raw in
            for i in 0..<8 { raw.storeBytes(of: state[i].bigEndian, toByteOffset: 4 * i, as: UInt32.self) }
        }
        self.words = words
    }

    /// The hash of a token.
    init(token: String) {
        var token = token
        self = token.withUTF8 { Self(token: UnsafeRawBufferPointer($0)) }
    }

    /// The hash whose lowercase hex form is `hex` (as the database stores it), nil if it is not one.
    init?(hex: String) {
        var bytes = [UInt8](repeating: 0, count: 32)
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        for i in 0..<32 {
            guard let high = LowercaseHex.nibble(utf8[2 * i]), let low = LowercaseHex.nibble(utf8[2 * i + 1]) else { return nil }
            bytes[i] = high << 4 | low
        }
        words = bytes.withUnsafeBytes { raw in
            (raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
             raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        }
    }

    /// Lowercase hex, byte by byte in digest order: the form the database stores.
    var hex: String {
        withUnsafeBytes(of: words) { LowercaseHex.string($0) }
    }

    /// Bits of the digest for choosing a shard (independent of those the dictionaries hash).
    var spreadBits: UInt64 { words.1 }

    package static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2 && lhs.words.3 == rhs.words.3
    }

    package func hash(into hasher: inout Hasher) {
        // Already uniformly distributed: one word is enough to spread the keys.
        hasher.combine(words.0)
    }
}

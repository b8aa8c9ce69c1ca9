/// A record id as the cache holds it: a lowercase UUID (the form the store gives every id,
/// ``ProfileStore/newPublicID()``) in its 16 bytes, held inline, instead of a 36-byte heap
/// string; any other text as it is.
///
/// Sessions, accounts and principals in memory are keyed and linked by these, so an entry costs
/// no allocation per id and comparing two costs two integer comparisons.
struct CompactID: Hashable, Sendable, CustomStringConvertible {
    private enum Storage: Hashable, Sendable {
        case uuid(UInt64, UInt64)
        case text(String)
    }

    private let storage: Storage

    init(_ text: String) {
        var text = text
        storage = text.withUTF8 { Self.uuid(UnsafeRawBufferPointer($0)) } ?? .text(text)
    }

    /// The id whose text is `bytes` (UTF-8), parsed without an allocation when it is a lowercase
    /// UUID (the in-place path compares request fields with cached ids this way).
    init(utf8 bytes: UnsafeRawBufferPointer) {
        storage = Self.uuid(bytes) ?? .text(String(decoding: bytes, as: UTF8.self))
    }

    /// Only the canonical form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in lowercase hex (so
    /// that the text comes back byte for byte).
    private static func uuid(_ bytes: UnsafeRawBufferPointer) -> Storage? {
        guard bytes.count == 36 else { return nil }
        var high: UInt64 = 0, low: UInt64 = 0
        var digits = 0
        for (index, byte) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            guard let nibble = LowercaseHex.nibble(byte) else { return nil }
            if digits < 16 { high = high << 4 | UInt64(nibble) } else { low = low << 4 | UInt64(nibble) }
            digits += 1
        }
        return .uuid(high, low)
    }

    /// Bits for choosing a shard, mixed from the id without a full hash (a call looks its
    /// account up by one of these).
    var spreadBits: UInt64 {
        switch storage {
        case .uuid(let high, let low): ((high ^ low) &* 0x9E37_79B9_7F4A_7C15) >> 32
        case .text(let text): UInt64(bitPattern: Int64(text.hashValue))
        }
    }

    /// The id's text, as the store wrote it.
    var text: String {
        switch storage {
        case .text(let text):
            return text
        case .uuid(let high, let low):
            return String(unsafeUninitializedCapacity: 36) { buffer in
                var out = 0
                for digit in 0..<32 {
                    if digit == 8 || digit == 12 || digit == 16 || digit == 20 {
                        buffer[out] = UInt8(ascii: "-")
                        out += 1
                    }
                    let word = digit < 16 ? high : low
                    let shift = UInt64(60 - 4 * (digit % 16))
                    buffer[out] = LowercaseHex.digit(UInt8((word >> shift) & 0xF))
                    out += 1
                }
                return out
            }
        }
    }

    var description: String { text }

    static func == (lhs: CompactID, rhs: CompactID) -> Bool { lhs.storage == rhs.storage }

    /// One word for a UUID (its bits are already spread), the text otherwise.
    func hash(into hasher: inout Hasher) {
        switch storage {
        case .uuid(let high, let low): hasher.combine(high ^ (low &* 0x9E37_79B9_7F4A_7C15))
        case .text(let text): hasher.combine(text)
        }
    }
}

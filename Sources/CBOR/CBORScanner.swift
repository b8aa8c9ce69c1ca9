/// Reads CBOR items in place from raw bytes, for hot paths that must not allocate: heads,
/// unsigned integers, ASCII text strings (as byte ranges) and map headers.
///
/// Deliberately narrow and strict: only definite lengths in their shortest form, no tags, text
/// made of printable ASCII only. Anything else reads as nil (and leaves the offset where it
/// was), so that a caller falls back to ``CBORDocument``, which accepts all of RFC 8949 within
/// its limits and says exactly what is wrong. Whatever this scanner accepts, the document parser
/// accepts too: it is a subset, never a second opinion.
public struct CBORScanner {
    public let bytes: UnsafeRawBufferPointer
    /// Where the next item starts.
    public private(set) var offset: Int

    public init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// Whether every byte has been read.
    public var isAtEnd: Bool { offset == bytes.count }

    /// A head of major type `major` (0 unsigned, 2 bytes, 3 text, 4 array, 5 map): its argument.
    public mutating func head(_ major: UInt8) -> UInt64? {
        guard offset < bytes.count else { return nil }
        let initial = bytes[offset]
        guard initial >> 5 == major else { return nil }
        let info = initial & 0x1F
        var value: UInt64
        var next = offset + 1
        switch info {
        case 0..<24:
            value = UInt64(info)
        case 24, 25, 26, 27:
            let width = 1 << Int(info - 24)
            guard next + width <= bytes.count else { return nil }
            value = 0
            for i in 0..<width { value = value << 8 | UInt64(bytes[next + i]) }
            next += width
            // The shortest form only: a longer head than needed is left to the full parser.
            let smallest: UInt64 = info == 24 ? 24 : 1 << (8 * UInt64(width / 2))
            guard value >= smallest else { return nil }
        default:
            return nil
        }
        offset = next
        return value
    }

    /// An unsigned integer.
    public mutating func unsigned() -> UInt64? { head(0) }

    /// `false` or `true` (simple values 20 and 21).
    public mutating func bool() -> Bool? {
        guard offset < bytes.count, bytes[offset] == 0xF4 || bytes[offset] == 0xF5 else { return nil }
        defer { offset += 1 }
        return bytes[offset] == 0xF5
    }

    /// The number of pairs of a definite-length map.
    public mutating func mapCount() -> Int? {
        let start = offset
        guard let count = head(5), count <= UInt64(bytes.count) else { offset = start; return nil }
        return Int(count)
    }

    /// A text string of printable ASCII (0x20...0x7E): the range of its bytes.
    public mutating func asciiText() -> Range<Int>? {
        let start = offset
        guard let length = head(3), length <= UInt64(bytes.count - offset) else { offset = start; return nil }
        let range = offset..<(offset + Int(length))
        for i in range where !(0x20...0x7E).contains(bytes[i]) {
            offset = start
            return nil
        }
        offset = range.upperBound
        return range
    }

    /// Whether the bytes of `range` are `expected`.
    public func bytes(_ range: Range<Int>, equal expected: StaticString) -> Bool {
        bytes(range, equal: UnsafeRawBufferPointer(start: expected.utf8Start, count: expected.utf8CodeUnitCount))
    }

    /// Whether the bytes of `range` are those of `expected`.
    public func bytes(_ range: Range<Int>, equal expected: UnsafeRawBufferPointer) -> Bool {
        guard range.count == expected.count else { return false }
        var i = 0
        for position in range {
            guard bytes[position] == expected[i] else { return false }
            i += 1
        }
        return true
    }

    /// Whether two ranges of these bytes hold the same bytes.
    public func bytes(_ a: Range<Int>, equal b: Range<Int>) -> Bool {
        bytes(a, equal: UnsafeRawBufferPointer(rebasing: bytes[b]))
    }
}

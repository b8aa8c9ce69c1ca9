import CBOR
import PropertyBased
import Testing

/// The parser's limits on documents shaped the way an attacker would shape them: deep, wide,
/// tagged, keyed by containers, full of keys, up to the largest frame (1 MiB).
@Suite("CBOR limits")
struct CBORLimitsTests {
    static let wire = CBORDocument.Limits(maxDepth: 64, maxItems: 8192, textKeysOnly: true)

    func head(_ major: UInt8, _ n: Int) -> [UInt8] {
        let m = major << 5
        switch n {
        case ..<24: return [m | UInt8(n)]
        case ..<256: return [m | 24, UInt8(n)]
        case ..<65536: return [m | 25, UInt8(n >> 8), UInt8(n & 0xFF)]
        default: return [m | 26, UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
        }
    }

    func text(_ s: String) -> [UInt8] { head(3, s.utf8.count) + Array(s.utf8) }

    /// A request-shaped document `{"method": …, "message": {}, "x": inner}`.
    func envelope(_ inner: [UInt8]) -> [UInt8] {
        head(5, 3) + text("method") + text("webprofiles.v1.Health/Check") + text("message") + head(5, 0) + text("x") + inner
    }

    func code(_ bytes: [UInt8], limits: CBORDocument.Limits = wire) -> CBORError.Code? {
        do { _ = try CBORDocument(bytes: bytes, limits: limits); return nil } catch { return error.code }
    }

    /// One hostile shape and what parsing it must answer.
    struct Shape: CustomStringConvertible {
        var bytes: [UInt8]
        var expected: CBORError.Code?
        var description: String
    }

    func shape(kind: UInt8, size: Int, flag: Bool) -> Shape {
        switch kind % 6 {
        case 0:
            // Nesting: arrays, maps (with a text key) and tags, mixed.
            let depth = size % 90
            var bytes: [UInt8] = []
            for level in 0..<depth {
                switch level % 3 {
                case 0: bytes += head(4, 1)
                case 1: bytes += head(5, 1) + text("k")
                default: bytes += head(6, 55799)
                }
            }
            bytes += [0]
            // The envelope is level 0 and "x" holds level 1: depth levels below it.
            return Shape(bytes: envelope(bytes), expected: depth + 1 > 64 ? .nestingTooDeep : nil, description: "depth \(depth)")
        case 1:
            // Width: an array of `count` items, up to a megabyte of them.
            let count = size % (1 << 20)
            let items = count + 1 + 6
            return Shape(bytes: envelope(head(4, count) + [UInt8](repeating: 0, count: count)),
                         expected: items > 8192 ? .tooManyItems : nil, description: "array of \(count)")
        case 2:
            // Keys: a map of `count` text keys, one repeated at the end if `flag`.
            let count = size % 6000 + 2
            var bytes = head(5, count)
            for i in 0..<count { bytes += text(flag && i == count - 1 ? "k0" : "k\(i)") + [0] }
            let items = 2 * count + 1 + 6
            return Shape(bytes: envelope(bytes), expected: items > 8192 ? .tooManyItems : flag ? .duplicateMapKey : nil,
                         description: "map of \(count) keys\(flag ? ", one repeated" : "")")
        case 3:
            // A container as a key, wrapped in tags or not.
            let key = flag ? head(6, 24) + head(4, 1) + [1] : head(5, 1) + text("a") + [1]
            return Shape(bytes: envelope(head(5, 1) + key + [0]), expected: .unsupportedKey, description: "container key")
        case 4:
            // A non-text key where only text keys are allowed.
            return Shape(bytes: envelope(head(5, 1) + (flag ? [0x01] : [0xF5]) + [0]), expected: .unsupportedKey, description: "scalar key")
        default:
            // One large byte string: a single item, however big.
            let length = size % (1 << 20 - 64)
            return Shape(bytes: envelope(head(2, length) + [UInt8](repeating: 0xAB, count: length)), expected: nil, description: "bytes of \(length)")
        }
    }

    @Test func hostileShapesGetTheirAnswer() async {
        await propertyCheck(count: 300, input: Gen.uint8(in: 0...255), Gen.int(in: 0...(1 << 21)), Gen.bool) { kind, size, flag in
            let shape = shape(kind: kind, size: size, flag: flag)
            #expect(code(shape.bytes) == shape.expected, "\(shape)")
        }
    }

    @Test func theItemCapStopsAMillionItemArrayAtOnce() {
        let bytes = envelope(head(4, 1_000_000) + [UInt8](repeating: 0, count: 1_000_000))
        #expect(code(bytes) == .tooManyItems)
        // Without the cap it parses: the limit is the caller's choice.
        #expect(code(bytes, limits: .default) == nil)
    }

    @Test func duplicateDetectionIsLinearInTheKeys() {
        // 200,000 distinct keys, then the same with the first repeated last: both answered from
        // one pass (hashing each key's bytes once), with no item cap.
        var bytes = head(5, 200_000)
        for i in 0..<200_000 { bytes += text("key-\(i)") + [0] }
        #expect(code(bytes, limits: .default) == nil)
        var repeated = head(5, 200_001)
        for i in 0..<200_000 { repeated += text("key-\(i)") + [0] }
        repeated += text("key-0") + [0]
        #expect(code(repeated, limits: .default) == .duplicateMapKey)
    }

    @Test func nestedContainerKeysAreRefusedBeforeAnyComparison() {
        // The issue's stall: maps nested as keys of each other. Refused at the innermost key.
        var inner = head(4, 3) + [0, 0, 0]
        for _ in 0..<20 {
            var map = head(5, 17) + inner + [0]
            for k in 1..<17 { map += [UInt8(k), 0] }
            inner = map
        }
        #expect(code(inner, limits: .default) == .unsupportedKey)
    }

    @Test func documentsReportWhatTheyHold() throws {
        let document = try CBORDocument(bytes: envelope(head(4, 3) + [1, 2, 3]))
        #expect(document.itemCount == 10)
        #expect(document.retainedBytes >= document.itemCount * 24)
    }
}

import CBOR
import PropertyBased
import Testing

@Suite("CBOR properties")
struct CBORPropertyTests {
    @Test func anyBytesDecodeOrFailCleanly() async {
        await propertyCheck(count: 2000, input: Gen.uint8(in: 0...255).array(of: 0...64)) { bytes in
            do {
                let value = try CBORDecoder().decode(CBORValue.self, from: bytes)
                // Whatever decodes re-encodes to something that decodes to the same value
                // (NaN payloads aside).
                let again = try CBORDecoder().decode(CBORValue.self, from: try CBOREncoder().encode(value))
                if !value.diagnosticNotation.contains("NaN") { #expect(again == value) }
            } catch is CBORError {
                // A typed error is the only acceptable failure.
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }

    @Test func generatedValuesRoundTrip() async {
        await propertyCheck(count: 500, input: Gen.uint8(in: 0...255).array(of: 0...200)) { seed in
            var source = ValueSource(bytes: seed)
            let value = source.value(depth: 0)
            let bytes = try CBOREncoder().encode(value)
            #expect(try CBORDecoder().decode(CBORValue.self, from: bytes) == value)
        }
    }

    /// Builds a `CBORValue` deterministically from random bytes.
    struct ValueSource {
        var bytes: [UInt8]
        var position = 0
        mutating func next() -> UInt8 {
            defer { position += 1 }
            return position < bytes.count ? bytes[position] : 0
        }
        mutating func value(depth: Int) -> CBORValue {
            let choice = next() % (depth > 4 ? 8 : 11)
            switch choice {
            case 0: return .unsigned(UInt64(next()) << (next() % 57))
            case 1: return .negative(UInt64(next()) << (next() % 57))
            case 2: return .bytes((0..<Int(next() % 8)).map { _ in next() })
            case 3: return .text(String((0..<Int(next() % 6)).map { _ in ["a", "ü", "水", "𐅑", "z"][Int(next() % 5)] }.joined()))
            case 4: return .bool(next() % 2 == 0)
            case 5: return .null
            case 6: return .float([0.0, -0.0, 1.5, 65504, 100000, 1.1, -4.1, .infinity][Int(next() % 8)])
            case 7: return .simple(next() % 20)
            case 8: return .array((0..<Int(next() % 4)).map { _ in value(depth: depth + 1) })
            case 9:
                var entries: [CBORValue.Entry] = []
                for i in 0..<Int(next() % 4) { entries.append(.init(.text("k\(i)"), value(depth: depth + 1))) }
                return .map(entries)
            default: return .tagged(UInt64(next()), value(depth: depth + 1))
            }
        }
    }
}

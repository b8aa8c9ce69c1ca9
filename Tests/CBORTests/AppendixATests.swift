import CBOR
import Foundation
import Testing

/// RFC 8949 Appendix A: every example decodes to the value the RFC gives, and every example the
/// RFC marks round-trippable re-encodes byte for byte.
@Suite("RFC 8949 Appendix A")
struct AppendixATests {
    struct Vector: Decodable, CustomTestStringConvertible, Sendable {
        var hex: String
        var roundtrip: Bool
        var decoded: JSONValue?
        var diagnostic: String?
        var testDescription: String { hex }

        enum CodingKeys: String, CodingKey { case hex, roundtrip, decoded, diagnostic }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            hex = try c.decode(String.self, forKey: .hex)
            roundtrip = try c.decode(Bool.self, forKey: .roundtrip)
            diagnostic = try c.decodeIfPresent(String.self, forKey: .diagnostic)
            // A present `"decoded": null` is the value null, not a missing value.
            decoded = c.contains(.decoded) ? try c.decode(JSONValue.self, forKey: .decoded) : nil
        }

        var bytes: [UInt8] {
            stride(from: 0, to: hex.count, by: 2).map { i in
                let start = hex.index(hex.startIndex, offsetBy: i)
                return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
            }
        }
    }

    /// The JSON form of a decoded value in the vector file.
    enum JSONValue: Decodable, Sendable {
        case null, bool(Bool), int(Int64), uint(UInt64), double(Double), string(String)
        case array([JSONValue]), object([String: JSONValue])

        init(from decoder: any Decoder) throws {
            if let object = try? [String: JSONValue](from: decoder) { self = .object(object); return }
            if let array = try? [JSONValue](from: decoder) { self = .array(array); return }
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let i = try? c.decode(Int64.self) { self = .int(i) }
            else if let u = try? c.decode(UInt64.self) { self = .uint(u) }
            else if let d = try? c.decode(Double.self) { self = .double(d) }
            else { self = .string(try c.decode(String.self)) }
        }
    }

    static let vectors: [Vector] = {
        let url = Bundle.module.url(forResource: "cbor-rfc8949-appendix-a", withExtension: "json", subdirectory: "Vectors")!
        return try! JSONDecoder().decode([Vector].self, from: Data(contentsOf: url))
    }()

    @Test("the vector file is complete")
    func vectorCount() {
        #expect(Self.vectors.count == 82)
    }

    @Test("decodes to the RFC's value", arguments: vectors)
    func decodes(vector: Vector) throws {
        let value = try CBORDecoder().decode(CBORValue.self, from: vector.bytes)
        if let expected = vector.decoded {
            #expect(Self.matches(value, expected), "\(value.diagnosticNotation)")
        } else if let diagnostic = vector.diagnostic {
            if diagnostic.hasPrefix("(_ ") {
                // Indefinite-length chunks arrive concatenated.
                let chunks = diagnostic.dropFirst(3).dropLast().split(separator: ", ").map { $0.dropFirst(2).dropLast() }
                #expect(value.diagnosticNotation == "h'" + chunks.joined() + "'")
            } else {
                #expect(value.diagnosticNotation == diagnostic)
            }
        } else {
            Issue.record("vector \(vector.hex) has neither a decoded value nor a diagnostic")
        }
    }

    @Test("round-trippable vectors re-encode byte for byte", arguments: vectors.filter(\.roundtrip))
    func reencodes(vector: Vector) throws {
        let value = try CBORDecoder().decode(CBORValue.self, from: vector.bytes)
        let bytes = try CBOREncoder().encode(value)
        #expect(bytes == vector.bytes)
    }

    static func matches(_ value: CBORValue, _ json: JSONValue) -> Bool {
        switch (value, json) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.text(let a), .string(let b)): return a == b
        case (.unsigned(let a), .int(let b)): return b >= 0 && a == UInt64(b)
        case (.unsigned(let a), .uint(let b)): return a == b
        case (.negative(let a), .int(let b)): return b < 0 && a == UInt64(-(b + 1))
        case (.negative(let a), .double(let b)): return -1 - Double(a) == b
        case (.float(let a), .double(let b)): return a == b && a.sign == b.sign
        case (.float(let a), .int(let b)): return a == Double(b) // JSON does not keep the sign of -0.0
        case (.tagged(2, .bytes(let magnitude)), .double(let b)): return bignum(magnitude) == b
        case (.tagged(3, .bytes(let magnitude)), .double(let b)): return -1 - bignum(magnitude) == b
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { matches($0, $1) }
        case (.map(let entries), .object(let object)):
            return entries.count == object.count && entries.allSatisfy { entry in
                guard case .text(let key) = entry.key, let expected = object[key] else { return false }
                return matches(entry.value, expected)
            }
        default:
            return false
        }
    }

    /// Bignums beyond 64 bits are compared through their nearest double (JSON has no exact form).
    static func bignum(_ bytes: [UInt8]) -> Double {
        bytes.reduce(0) { $0 * 256 + Double($1) }
    }
}

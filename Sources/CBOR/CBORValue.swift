/// Any CBOR data item, as a Swift value.
///
/// Typed `Codable` messages are the normal way to use this module; `CBORValue` is for the places
/// where the shape is open (error details, the RFC 8949 test vectors, diagnostics). It is both
/// `Encodable` and `Decodable` through ``CBOREncoder`` and ``CBORDecoder``, which recognise it and
/// map it one to one onto data items.
public indirect enum CBORValue: Hashable, Sendable {
    /// Major type 0.
    case unsigned(UInt64)
    /// Major type 1: the value is `-1 - n`.
    case negative(UInt64)
    /// Major type 2 (indefinite-length strings arrive concatenated).
    case bytes([UInt8])
    /// Major type 3.
    case text(String)
    /// Major type 4.
    case array([CBORValue])
    /// Major type 5, entries in their order on the wire.
    case map([Entry])
    /// Major type 6.
    case tagged(UInt64, CBORValue)
    /// Major type 7, `false` and `true`.
    case bool(Bool)
    /// Major type 7, `null`.
    case null
    /// Major type 7, `undefined`.
    case undefined
    /// Major type 7, any other simple value.
    case simple(UInt8)
    /// Major type 7, half, single or double precision float.
    case float(Double)

    /// One key/value pair of a map.
    public struct Entry: Hashable, Sendable {
        public var key: CBORValue
        public var value: CBORValue
        public init(_ key: CBORValue, _ value: CBORValue) {
            self.key = key
            self.value = value
        }
    }

    /// A signed integer as the shortest CBOR integer.
    public static func int(_ value: Int64) -> CBORValue {
        value >= 0 ? .unsigned(UInt64(value)) : .negative(UInt64(-(value + 1)))
    }

    /// A map with text keys.
    public static func textMap(_ pairs: KeyValuePairs<String, CBORValue>) -> CBORValue {
        .map(pairs.map { Entry(.text($0.key), $0.value) })
    }

    /// The value for a text key, if this is a map holding it.
    public subscript(key: String) -> CBORValue? {
        guard case .map(let entries) = self else { return nil }
        return entries.first { $0.key == .text(key) }?.value
    }

    /// RFC 8949 §8 diagnostic notation, used by tests and debugging output.
    public var diagnosticNotation: String {
        switch self {
        case .unsigned(let n): return String(n)
        case .negative(let n): return n == .max ? "-18446744073709551616" : "-\(n + 1)"
        case .bytes(let b): return "h'" + b.map { hexDigits($0) }.joined() + "'"
        case .text(let s):
            var out = "\""
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        case .array(let items): return "[" + items.map(\.diagnosticNotation).joined(separator: ", ") + "]"
        case .map(let entries):
            return "{" + entries.map { "\($0.key.diagnosticNotation): \($0.value.diagnosticNotation)" }
                .joined(separator: ", ") + "}"
        case .tagged(let tag, let inner): return "\(tag)(\(inner.diagnosticNotation))"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .undefined: return "undefined"
        case .simple(let v): return "simple(\(v))"
        case .float(let d):
            if d.isNaN { return "NaN" }
            if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
            return "\(d)"
        }
    }
}

private func hexDigits(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
}

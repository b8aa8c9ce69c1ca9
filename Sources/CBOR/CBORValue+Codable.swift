/// `Codable` for coders other than this module's (JSON output of the CLI, for instance), mapping
/// data items to their nearest JSON-like shape. ``CBOREncoder`` and ``CBORDecoder`` bypass this
/// and keep every data item exactly.
extension CBORValue: Codable {
    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: AnyKey.self) {
            self = .map(try keyed.allKeys.map { .init(.text($0.stringValue), try keyed.decode(CBORValue.self, forKey: $0)) })
            return
        }
        if var unkeyed = try? decoder.unkeyedContainer() {
            var items: [CBORValue] = []
            while !unkeyed.isAtEnd { items.append(try unkeyed.decode(CBORValue.self)) }
            self = .array(items)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() { self = .null }
        else if let b = try? single.decode(Bool.self) { self = .bool(b) }
        else if let n = try? single.decode(Int64.self) { self = .int(n) }
        else if let n = try? single.decode(UInt64.self) { self = .unsigned(n) }
        else if let d = try? single.decode(Double.self) { self = .float(d) }
        else { self = .text(try single.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .unsigned(let n):
            var c = encoder.singleValueContainer()
            try c.encode(n)
        case .negative(let n):
            var c = encoder.singleValueContainer()
            if n < UInt64(Int64.max) { try c.encode(-1 - Int64(n)) } else { try c.encode(-1 - Double(n)) }
        case .bytes(let b):
            var c = encoder.singleValueContainer()
            try c.encode(CBORValue.bytes(b).diagnosticNotation)
        case .text(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .array(let items):
            var c = encoder.unkeyedContainer()
            for item in items { try c.encode(item) }
        case .map(let entries):
            var c = encoder.container(keyedBy: AnyKey.self)
            for entry in entries {
                let key: String
                if case .text(let s) = entry.key { key = s } else { key = entry.key.diagnosticNotation }
                try c.encode(entry.value, forKey: AnyKey(stringValue: key))
            }
        case .tagged(_, let inner):
            try inner.encode(to: encoder)
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .null, .undefined:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .simple(let v):
            var c = encoder.singleValueContainer()
            try c.encode(v)
        case .float(let d):
            var c = encoder.singleValueContainer()
            try c.encode(d)
        }
    }
}

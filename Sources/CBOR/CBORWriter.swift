/// Appends CBOR data items to a byte array, always in preferred serialization: definite lengths,
/// shortest-form integer heads and the shortest float that holds the value exactly.
struct CBORWriter: Sendable {
    /// The bytes written so far.
    var bytes: [UInt8]

    init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// The major types of RFC 8949 §3.1.
    enum MajorType: UInt8, Sendable {
        case unsigned = 0, negative, bytes, text, array, map, tag, simple
    }

    /// Writes an initial byte and argument in the shortest form (``CBORHead``).
    @inlinable
    mutating func writeHead(_ major: MajorType, _ argument: UInt64) {
        let head = CBORHead(major: major.rawValue, argument)
        bytes.append(head.initialByte)
        switch head.argumentWidth {
        case 0: break
        case 1: bytes.append(UInt8(truncatingIfNeeded: argument))
        case 2: appendBigEndian(UInt16(truncatingIfNeeded: argument))
        case 4: appendBigEndian(UInt32(truncatingIfNeeded: argument))
        default: appendBigEndian(argument)
        }
    }

    @inlinable
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        var be = value.bigEndian
        withUnsafeBytes(of: &be) { bytes.append(contentsOf: $0) }
    }

    /// The shortest head for `argument`, as bytes (used to patch container headers).
    static func head(_ major: MajorType, _ argument: UInt64) -> [UInt8] {
        var w = CBORWriter(capacity: 9)
        w.writeHead(major, argument)
        return w.bytes
    }

    mutating func write(unsigned value: UInt64) { writeHead(.unsigned, value) }

    mutating func write(signed value: Int64) {
        if value >= 0 {
            writeHead(.unsigned, UInt64(value))
        } else {
            writeHead(.negative, UInt64(-(value + 1)))
        }
    }

    mutating func write(text: String) {
        var text = text
        text.withUTF8 { utf8 in
            writeHead(.text, UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func write(bytes value: some Collection<UInt8>) {
        writeHead(.bytes, UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func write(bool value: Bool) { bytes.append(value ? 0xF5 : 0xF4) }

    mutating func writeNull() { bytes.append(0xF6) }

    /// Writes a float in the shortest of half, single and double precision that is exact.
    mutating func write(double value: Double) {
        if let half = HalfFloat.exactBits(value) {
            bytes.append(0xF9)
            appendBigEndian(half)
        } else if let single = Float(exactly: value) {
            bytes.append(0xFA)
            appendBigEndian(single.bitPattern)
        } else {
            bytes.append(0xFB)
            appendBigEndian(value.bitPattern)
        }
    }

    /// Writes any ``CBORValue``.
    mutating func write(_ value: CBORValue) {
        switch value {
        case .unsigned(let n): writeHead(.unsigned, n)
        case .negative(let n): writeHead(.negative, n)
        case .bytes(let b): write(bytes: b)
        case .text(let s): write(text: s)
        case .array(let items):
            writeHead(.array, UInt64(items.count))
            for item in items { write(item) }
        case .map(let entries):
            writeHead(.map, UInt64(entries.count))
            for entry in entries {
                write(entry.key)
                write(entry.value)
            }
        case .tagged(let tag, let inner):
            writeHead(.tag, tag)
            write(inner)
        case .bool(let b): write(bool: b)
        case .null: writeNull()
        case .undefined: bytes.append(0xF7)
        case .simple(let v):
            if v < 24 { bytes.append(0xE0 | v) } else { bytes.append(0xF8); bytes.append(v) }
        case .float(let d): write(double: d)
        }
    }
}

/// Lowercase hexadecimal, the form the store writes digests and ids in: the one encoder and
/// parser of it in the daemon (``Secrets/sha256Hex(_:)``, ``SessionTokenHash``, ``CompactID``).
enum LowercaseHex {
    /// The digit of a nibble (0…15).
    @inline(__always)
    static func digit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &+ (nibble &- 10)
    }

    /// The nibble a lowercase digit stands for; nil for any other byte (uppercase included: the
    /// text must come back byte for byte).
    @inline(__always)
    static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    /// The bytes in lowercase hex, two digits each, in order, in one allocation.
    static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: 2 * bytes.count) { buffer in
            for (i, byte) in bytes.enumerated() {
                buffer[2 * i] = digit(byte >> 4)
                buffer[2 * i + 1] = digit(byte & 0xF)
            }
            return 2 * bytes.count
        }
    }
}

import NIOCore

extension ByteBuffer {
    /// Writes a CBOR head of major type `major` (0 unsigned, 3 text, 5 map, …) in its shortest
    /// form, as ``CBOREncoder`` does: for payloads written straight into a frame buffer.
    public mutating func writeCBORHead(major: UInt8, _ value: UInt64) {
        switch value {
        case 0..<24: writeInteger(major << 5 | UInt8(value))
        case 24...0xFF: writeInteger(major << 5 | 24); writeInteger(UInt8(value))
        case 0x100...0xFFFF: writeInteger(major << 5 | 25); writeInteger(UInt16(value))
        case 0x1_0000...0xFFFF_FFFF: writeInteger(major << 5 | 26); writeInteger(UInt32(value))
        default: writeInteger(major << 5 | 27); writeInteger(value)
        }
    }

    /// Writes a CBOR text string.
    public mutating func writeCBORText(_ text: String) {
        writeCBORHead(major: 3, UInt64(text.utf8.count))
        writeString(text)
    }
}

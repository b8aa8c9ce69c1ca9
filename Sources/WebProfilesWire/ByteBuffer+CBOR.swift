import CBOR
import NIOCore

extension ByteBuffer {
    /// Writes a CBOR head of major type `major` (0 unsigned, 3 text, 5 map, …) in its shortest
    /// form (``CBORHead``, as ``CBOREncoder`` writes it): for payloads written straight into a
    /// frame buffer.
    public mutating func writeCBORHead(major: UInt8, _ value: UInt64) {
        let head = CBORHead(major: major, value)
        writeInteger(head.initialByte)
        switch head.argumentWidth {
        case 0: break
        case 1: writeInteger(UInt8(truncatingIfNeeded: value))
        case 2: writeInteger(UInt16(truncatingIfNeeded: value))
        case 4: writeInteger(UInt32(truncatingIfNeeded: value))
        default: writeInteger(value)
        }
    }

    /// Writes a CBOR text string.
    public mutating func writeCBORText(_ text: String) {
        writeCBORHead(major: 3, UInt64(text.utf8.count))
        writeString(text)
    }
}

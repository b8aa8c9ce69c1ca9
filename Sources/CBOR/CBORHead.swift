/// The head of a CBOR data item (RFC 8949 §3): its initial byte and the argument after it, in
/// the shortest form (preferred serialization). The one statement of that rule, for every
/// writer: ``CBOREncoder``'s and the frame buffers' in WebProfilesWire.
public struct CBORHead: Sendable {
    /// The major type in the top three bits, the additional information in the low five.
    public let initialByte: UInt8
    /// How many bytes of argument follow the initial byte, big-endian: 0, 1, 2, 4 or 8.
    public let argumentWidth: Int
    /// The argument (written only when ``argumentWidth`` is not 0).
    public let argument: UInt64

    /// - Parameter major: the major type, 0 (unsigned) to 7 (simple and floats).
    @inlinable
    public init(major: UInt8, _ argument: UInt64) {
        let m = major << 5
        self.argument = argument
        switch argument {
        case 0..<24: (initialByte, argumentWidth) = (m | UInt8(argument), 0)
        case 24...0xFF: (initialByte, argumentWidth) = (m | 24, 1)
        case 0x100...0xFFFF: (initialByte, argumentWidth) = (m | 25, 2)
        case 0x1_0000...0xFFFF_FFFF: (initialByte, argumentWidth) = (m | 26, 4)
        default: (initialByte, argumentWidth) = (m | 27, 8)
        }
    }
}

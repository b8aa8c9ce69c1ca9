/// IEEE 754 binary16 conversions used for CBOR's preferred (shortest) float serialization.
///
/// Written out by hand because `Float16` is not available on every platform Swift targets.
enum HalfFloat {
    /// Expands binary16 bits to a `Double` (exact: every half value is a double).
    static func toDouble(_ bits: UInt16) -> Double {
        let sign: Double = (bits & 0x8000) != 0 ? -1 : 1
        let exponent = Int((bits >> 10) & 0x1F)
        let mantissa = Double(bits & 0x3FF)
        switch exponent {
        case 0: return sign * mantissa * 0x1p-24
        case 31: return mantissa == 0 ? sign * .infinity : .nan
        default: return sign * (1 + mantissa / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }

    /// The binary16 bits of `value` if the conversion is exact (NaN maps to the canonical quiet NaN).
    static func exactBits(_ value: Double) -> UInt16? {
        if value.isNaN { return 0x7E00 }
        let sign: UInt16 = value.sign == .minus ? 0x8000 : 0
        if value.isInfinite { return sign | 0x7C00 }
        if value == 0 { return sign }
        let magnitude = value.magnitude
        // Normal halves: exponent -14...15; subnormals: multiples of 2^-24 below 2^-14.
        if magnitude < 0x1p-14 {
            let scaled = magnitude * 0x1p24
            guard scaled == scaled.rounded(), scaled >= 1 else { return nil }
            return sign | UInt16(scaled)
        }
        let exponent = Int(magnitude.exponent)
        guard exponent <= 15 else { return nil }
        let fraction = (magnitude.significand - 1) * 1024
        guard fraction == fraction.rounded() else { return nil }
        return sign | UInt16(exponent + 15) << 10 | UInt16(fraction)
    }
}

/// An Italian phone number in E.164 form (`+39…`).
///
/// Mobile numbers start with 3 after the country code (9 or 10 digits), fixed numbers with 0
/// (6 to 11 digits). Spaces, dashes and a `0039` prefix are accepted on input; the value is stored
/// as `+39` and digits.
public struct MSISDN: Sendable, Hashable, CustomStringConvertible {
    public let value: String
    /// The kind the number plan implies.
    public let kind: LineKind

    public init(_ input: String, field: String = "msisdn") throws(ValidationError) {
        try TextRules.bounded(input, maxBytes: 48, field: field, "must be an Italian number in E.164 form, +39…")
        var text = input.filter { $0 != " " && $0 != "-" && $0 != "." }
        if text.hasPrefix("0039") { text = "+39" + text.dropFirst(4) }
        guard text.hasPrefix("+39") else { throw ValidationError(field: field, "must be an Italian number in E.164 form, +39…") }
        let national = text.dropFirst(3)
        guard national.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw ValidationError(field: field, "must contain only digits after +39")
        }
        switch national.first {
        case "3":
            guard (9...10).contains(national.count) else { throw ValidationError(field: field, "a mobile number has 9 or 10 digits after +39") }
            kind = .mobile
        case "0":
            guard (6...11).contains(national.count) else { throw ValidationError(field: field, "a fixed number has 6 to 11 digits after +39") }
            kind = .fixed
        default:
            throw ValidationError(field: field, "must start with 3 (mobile) or 0 (fixed) after +39")
        }
        value = "+39" + national
    }

    /// `text` if it is already in the stored form (`+39` and the digits of a mobile or fixed
    /// number), nil otherwise: a check that allocates nothing, for the hot path. The throwing
    /// initializer accepts the other input forms and says what is wrong.
    public init?(canonical text: String) {
        var utf8 = text.utf8.makeIterator()
        guard utf8.next() == UInt8(ascii: "+"), utf8.next() == UInt8(ascii: "3"), utf8.next() == UInt8(ascii: "9") else { return nil }
        guard let first = utf8.next() else { return nil }
        var digits = 1
        while let byte = utf8.next() {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            digits += 1
        }
        switch first {
        case UInt8(ascii: "3") where (9...10).contains(digits): kind = .mobile
        case UInt8(ascii: "0") where (6...11).contains(digits): kind = .fixed
        default: return nil
        }
        value = text
    }

    public var description: String { value }
}

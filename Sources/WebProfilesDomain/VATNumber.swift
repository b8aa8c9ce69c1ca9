/// An Italian VAT number (partita IVA): 11 digits, the last a check digit.
public struct VATNumber: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    /// Accepts the digits with optional spaces and an optional `IT` prefix.
    public init(_ input: String, field: String = "vatNumber") throws(ValidationError) {
        try TextRules.bounded(input, maxBytes: 64, field: field, "must be 11 digits")
        var text = input.filter { $0 != " " }.uppercased()
        if text.hasPrefix("IT") { text.removeFirst(2) }
        guard text.count == 11, text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw ValidationError(field: field, "must be 11 digits")
        }
        let digits = text.map { Int($0.asciiValue! - 48) }
        guard digits.contains(where: { $0 != 0 }) else { throw ValidationError(field: field, "cannot be all zeros") }
        guard Self.checkDigit(digits.prefix(10)) == digits[10] else {
            throw ValidationError(field: field, "check digit is wrong")
        }
        value = text
    }

    /// The Luhn-style check digit of the first ten digits.
    public static func checkDigit(_ digits: some Collection<Int>) -> Int {
        var sum = 0
        for (i, d) in digits.enumerated() {
            if i % 2 == 0 {
                sum += d
            } else {
                let doubled = d * 2
                sum += doubled > 9 ? doubled - 9 : doubled
            }
        }
        return (10 - sum % 10) % 10
    }

    public var description: String { value }
}

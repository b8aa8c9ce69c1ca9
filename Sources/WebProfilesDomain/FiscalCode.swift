/// An Italian personal fiscal code (codice fiscale): 16 characters, the last a check letter.
/// Omocodia (digits replaced by letters) is accepted.
public struct FiscalCode: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public init(_ input: String, field: String = "fiscalCode") throws(ValidationError) {
        try TextRules.bounded(input, maxBytes: 64, field: field, "must be 16 letters and digits")
        let text = input.filter { $0 != " " }.uppercased()
        let chars = Array(text)
        guard chars.count == 16, chars.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw ValidationError(field: field, "must be 16 letters and digits")
        }
        let omocodia = Set("LMNPQRSTUV")
        for (i, c) in chars.enumerated() {
            switch i {
            case 0...5, 8, 11, 15:
                guard c.isLetter else { throw ValidationError(field: field, "character \(i + 1) must be a letter") }
            default:
                guard c.isNumber || omocodia.contains(c) else {
                    throw ValidationError(field: field, "character \(i + 1) must be a digit")
                }
            }
        }
        guard "ABCDEHLMPRST".contains(chars[8]) else { throw ValidationError(field: field, "month letter is not valid") }
        guard Self.checkCharacter(chars.prefix(15)) == chars[15] else {
            throw ValidationError(field: field, "check character is wrong")
        }
        value = text
    }

    private static let oddValues: [Int] = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]

    /// The check letter of the first 15 characters (uppercase letters and digits).
    public static func checkCharacter(_ chars: some Collection<Character>) -> Character {
        var sum = 0
        for (i, c) in chars.enumerated() {
            let ascii = Int(c.asciiValue!)
            let index = c.isNumber ? ascii - 48 : ascii - 65
            sum += i % 2 == 0 ? oddValues[index] : index
        }
        return Character(UnicodeScalar(UInt8(65 + sum % 26)))
    }

    public var description: String { value }
}

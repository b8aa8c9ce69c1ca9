import Foundation

/// A username in canonical form: surrounding spaces trimmed, Unicode NFKC, case-folded.
///
/// Usernames are unique across the daemon in this form, so `Mario.Rossi`, ` mario.rossi ` and the
/// full-width `ｍａｒｉｏ.ｒｏｓｓｉ` are the same person. Letters of any one script (see
/// ``UnicodeRules/isSingleScript(_:)``), the digits 0–9 and `. _ - @ +` are allowed; invisible and
/// bidirectional formatting characters are not.
public struct Username: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    /// The longest input looked at: anything longer cannot be a username of 64 characters.
    public static let maxInputBytes = 1024

    public init(_ input: String, field: String = "username") throws(ValidationError) {
        guard input.utf8.count <= Self.maxInputBytes else { throw ValidationError(field: field, "must be 3 to 64 characters") }
        let canonical = Self.canonicalize(input)
        guard !canonical.isEmpty else { throw ValidationError(field: field, "must not be empty") }
        guard canonical.count >= 3, canonical.count <= 64, canonical.utf8.count <= 256 else {
            throw ValidationError(field: field, "must be 3 to 64 characters")
        }
        guard !canonical.unicodeScalars.contains(where: { UnicodeRules.isHiddenOrControl($0) }) else {
            throw ValidationError(field: field, "must not contain invisible or text-direction characters")
        }
        let extra = Set(".-_@+")
        guard canonical.allSatisfy({ $0.isLetter || ($0.isASCII && $0.isNumber) || extra.contains($0) }) else {
            throw ValidationError(field: field, "may contain only letters, the digits 0-9 and . _ - @ +")
        }
        guard UnicodeRules.isSingleScript(canonical) else {
            throw ValidationError(field: field, "must not mix letters of different scripts (such as Latin and Cyrillic)")
        }
        value = canonical
    }

    /// Trim, NFKC, case fold, NFKC again — the one normalisation every username goes through
    /// (logins included, so a username typed on another keyboard still matches).
    public static func canonicalize(_ input: String) -> String {
        input.trimmingCharacters(in: .whitespacesAndNewlines)
            .precomposedStringWithCompatibilityMapping
            .folding(options: [.caseInsensitive], locale: nil)
            .precomposedStringWithCompatibilityMapping
    }

    public var description: String { value }
}

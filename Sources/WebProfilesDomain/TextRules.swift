import Foundation

/// Checks for free-text fields: names, emails, referent types.
public enum TextRules {
    /// Refuses an input longer than `maxBytes` before anything walks or normalises it.
    public static func bounded(_ input: String, maxBytes: Int, field: String, _ message: @autoclosure () -> String) throws(ValidationError) {
        guard input.utf8.count <= maxBytes else { throw ValidationError(field: field, message()) }
    }

    /// A trimmed, NFC, non-empty text of at most `maxLength` characters without control
    /// characters and without invisible or text-direction formatting (bidirectional overrides and
    /// isolates, zero-width spaces; the joiners some scripts and emoji need are allowed).
    public static func name(_ input: String, field: String, maxLength: Int = 100) throws(ValidationError) -> String {
        try bounded(input, maxBytes: maxLength * 4 + 64, field: field, "must be at most \(maxLength) characters")
        let text = input.trimmingCharacters(in: .whitespacesAndNewlines).precomposedStringWithCanonicalMapping
        guard !text.isEmpty else { throw ValidationError(field: field, "must not be empty") }
        guard text.count <= maxLength else { throw ValidationError(field: field, "must be at most \(maxLength) characters") }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ValidationError(field: field, "must not contain control characters")
        }
        guard !text.unicodeScalars.contains(where: { UnicodeRules.isHiddenOrControl($0, allowJoiners: true) }) else {
            throw ValidationError(field: field, "must not contain invisible or text-direction characters")
        }
        return text
    }

    /// An email address: `local@domain.tld`, at most 254 bytes, lower-cased domain.
    public static func email(_ input: String, field: String = "email") throws(ValidationError) -> String {
        try bounded(input, maxBytes: 320, field: field, "is not an email address")
        let text = input.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              text.utf8.count <= 254,
              !text.contains(where: { $0.isWhitespace }),
              !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw ValidationError(field: field, "is not an email address") }
        return parts[0] + "@" + parts[1].lowercased()
    }
}

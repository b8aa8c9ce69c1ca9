import Foundation

/// Checks for free-text fields: names, emails, referent types.
public enum TextRules {
    /// A trimmed, non-empty text of at most `maxLength` characters without control characters.
    public static func name(_ input: String, field: String, maxLength: Int = 100) throws(ValidationError) -> String {
        let text = input.trimmingCharacters(in: .whitespacesAndNewlines).precomposedStringWithCanonicalMapping
        guard !text.isEmpty else { throw ValidationError(field: field, "must not be empty") }
        guard text.count <= maxLength else { throw ValidationError(field: field, "must be at most \(maxLength) characters") }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw ValidationError(field: field, "must not contain control characters")
        }
        return text
    }

    /// An email address: `local@domain.tld`, at most 254 bytes, lower-cased domain.
    public static func email(_ input: String, field: String = "email") throws(ValidationError) -> String {
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

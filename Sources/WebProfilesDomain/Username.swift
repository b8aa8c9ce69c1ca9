import Foundation

/// A username in canonical form: surrounding spaces trimmed, Unicode NFC, case-folded.
///
/// Usernames are unique across the daemon in this form, so `Mario.Rossi` and ` mario.rossi `
/// are the same person. Letters and digits of any script and `. _ - @ +` are allowed.
public struct Username: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public init(_ input: String, field: String = "username") throws(ValidationError) {
        let canonical = Self.canonicalize(input)
        guard !canonical.isEmpty else { throw ValidationError(field: field, "must not be empty") }
        guard canonical.count >= 3, canonical.count <= 64, canonical.utf8.count <= 256 else {
            throw ValidationError(field: field, "must be 3 to 64 characters")
        }
        let extra = Set(".-_@+")
        guard canonical.allSatisfy({ $0.isLetter || $0.isNumber || extra.contains($0) }) else {
            throw ValidationError(field: field, "may contain only letters, digits and . _ - @ +")
        }
        value = canonical
    }

    /// Trim, NFC, case fold — the one normalisation every username goes through.
    public static func canonicalize(_ input: String) -> String {
        input.trimmingCharacters(in: .whitespacesAndNewlines)
            .precomposedStringWithCanonicalMapping
            .folding(options: [.caseInsensitive], locale: nil)
            .precomposedStringWithCanonicalMapping
    }

    public var description: String { value }
}

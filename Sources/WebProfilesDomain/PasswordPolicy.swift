import Foundation

/// What a new password must be, as NIST SP 800-63B-4 asks: long enough, not too long, not a
/// common or compromised password (``PasswordBlocklist``), and not made of the person's own
/// context (their username, their name, their company's name). Nothing else: any Unicode is
/// allowed, no composition rules, and a password is never truncated.
///
/// Passwords are compared and hashed in NFKC (``normalized(_:)``), so the same password typed
/// on another keyboard or input method still matches.
public struct PasswordPolicy: Sendable, Hashable {
    /// Minimum length in characters (default 12).
    public var minimumCharacters: Int
    /// Maximum length in UTF-8 bytes (256).
    public static let maximumBytes = 256
    /// Context words shorter than this are not looked for (too many passwords would contain them).
    public static let minimumContextWordLength = 4

    public init(minimumCharacters: Int = 12) {
        self.minimumCharacters = minimumCharacters
    }

    /// The form a password is hashed and verified in: NFKC (compatibility forms such as
    /// full-width letters fold to their plain ones).
    public static func normalized(_ password: String) -> String {
        password.precomposedStringWithCompatibilityMapping
    }

    /// Checks a new `password` for the person with canonical `username`, whose names and
    /// companies' names are `contextWords`, against `blocklist`. The refusals say why in words a
    /// person understands.
    public func check(_ password: String, username: String, contextWords: [String] = [], blocklist: (any PasswordBlocklist)? = nil,
                      field: String = "password") throws(ValidationError) {
        guard password.utf8.count <= Self.maximumBytes else {
            throw ValidationError(field: field, "must be at most \(Self.maximumBytes) bytes")
        }
        let normalized = Self.normalized(password)
        guard normalized.count >= minimumCharacters else {
            throw ValidationError(field: field, "must be at least \(minimumCharacters) characters")
        }
        let folded = SearchText.fold(normalized)
        if folded.contains(SearchText.fold(username)) {
            throw ValidationError(field: field, "must not contain your username")
        }
        for word in Self.words(of: contextWords) where folded.contains(word) {
            throw ValidationError(field: field, "must not contain \"\(word)\", which is part of your name or your company's: such passwords are guessed first")
        }
        if let reason = blocklist?.refusal(for: normalized, username: username) {
            throw ValidationError(field: field, reason)
        }
    }

    /// The words of the context texts worth looking for, folded.
    static func words(of texts: [String]) -> [String] {
        var words = Set<String>()
        for text in texts {
            for word in SearchText.fold(text).split(whereSeparator: { !$0.isLetter && !$0.isNumber }) where word.count >= minimumContextWordLength {
                words.insert(String(word))
            }
        }
        return words.sorted()
    }
}

/// A list of passwords too common or known compromised to be used.
public protocol PasswordBlocklist: Sendable {
    /// Why `password` (NFKC) is refused, in words a person understands; nil when it is not listed.
    func refusal(for password: String, username: String) -> String?
}

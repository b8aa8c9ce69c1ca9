/// What a password must be: long enough, not too long, and not containing the username.
/// Any Unicode is allowed and a password is never truncated.
public struct PasswordPolicy: Sendable, Hashable {
    /// Minimum length in characters (default 12).
    public var minimumCharacters: Int
    /// Maximum length in UTF-8 bytes (256).
    public static let maximumBytes = 256

    public init(minimumCharacters: Int = 12) {
        self.minimumCharacters = minimumCharacters
    }

    /// Checks `password` for the registration with canonical `username`.
    public func check(_ password: String, username: String, field: String = "password") throws(ValidationError) {
        guard password.utf8.count <= Self.maximumBytes else {
            throw ValidationError(field: field, "must be at most \(Self.maximumBytes) bytes")
        }
        guard password.count >= minimumCharacters else {
            throw ValidationError(field: field, "must be at least \(minimumCharacters) characters")
        }
        if Username.canonicalize(password).contains(username) {
            throw ValidationError(field: field, "must not contain the username")
        }
    }
}

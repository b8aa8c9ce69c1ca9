/// Where a registration stands.
public enum RegistrationStatus: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    /// Registered; the person has not yet set a password with the activation code.
    case pendingActivation
    /// The person can log in.
    case active
    /// Credentials revoked: no login, no sessions; the line is free.
    case revoked
    public var description: String { rawValue }
}

import Foundation
import GRDB
import WebProfilesDomain

/// A row of `registration`: one person's access to one company's customer area.
public struct RegistrationRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "registration"

    public var id: String
    public var companyId: String
    /// Canonical (trimmed, NFC, case-folded); unique across the daemon.
    public var username: String
    public var displayName: String
    public var email: String
    public var profile: Profile
    public var referent: String?
    public var line: String?
    public var status: RegistrationStatus
    /// Argon2id in its standard encoded form; nil until activation.
    public var passwordHash: String?
    /// SHA-256 (hex) of the single-use activation code, while one is outstanding.
    public var activationCodeHash: String?
    public var activationExpiresAt: Date?
    /// Failed logins since the last success or lockout (and attempts still being checked).
    public var failedAttempts: Int
    public var lockedUntil: Date?
    /// When the last failed attempt was counted (failures older than a lockout are forgotten).
    public var lastFailedAttemptAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    public var lastLoginAt: Date?

    public func isLocked(at now: Date) -> Bool { lockedUntil.map { $0 > now } ?? false }

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let companyId = Column(CodingKeys.companyId)
        public static let username = Column(CodingKeys.username)
        public static let displayName = Column(CodingKeys.displayName)
        public static let email = Column(CodingKeys.email)
        public static let profile = Column(CodingKeys.profile)
        public static let line = Column(CodingKeys.line)
        public static let status = Column(CodingKeys.status)
        public static let activationCodeHash = Column(CodingKeys.activationCodeHash)
    }
}

import Foundation
import GRDB
import WebProfilesDomain

/// A row of `registration`: one person's access to one company's customer area.
package struct RegistrationRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "registration"

    package var id: String
    package var companyId: String
    /// Canonical (trimmed, NFC, case-folded); unique across the daemon.
    package var username: String
    package var displayName: String
    package var email: String
    package var profile: Profile
    package var referent: String?
    package var line: String?
    package var status: RegistrationStatus
    /// Argon2id in its standard encoded form; nil until activation.
    package var passwordHash: String?
    /// SHA-256 (hex) of the single-use activation code, while one is outstanding.
    package var activationCodeHash: String?
    package var activationExpiresAt: Date?
    /// Failed logins since the last success or lockout (and attempts still being checked).
    package var failedAttempts: Int
    package var lockedUntil: Date?
    /// When the last failed attempt was counted (failures older than a lockout are forgotten).
    package var lastFailedAttemptAt: Date?
    package var createdAt: Date
    package var updatedAt: Date
    package var lastLoginAt: Date?

    package func isLocked(at now: Date) -> Bool { lockedUntil.map { $0 > now } ?? false }

    package enum Columns {
        package static let id = Column(CodingKeys.id)
        package static let companyId = Column(CodingKeys.companyId)
        package static let username = Column(CodingKeys.username)
        package static let displayName = Column(CodingKeys.displayName)
        package static let email = Column(CodingKeys.email)
        package static let profile = Column(CodingKeys.profile)
        package static let line = Column(CodingKeys.line)
        package static let status = Column(CodingKeys.status)
        package static let activationCodeHash = Column(CodingKeys.activationCodeHash)
    }
}

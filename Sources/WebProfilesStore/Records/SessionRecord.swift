import Foundation
import GRDB

/// A row of `session`: a live login. Only the SHA-256 of the token is stored.
package struct SessionRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "session"

    package var id: String
    package var registrationId: String
    /// SHA-256 (hex) of the session token.
    package var tokenHash: String
    package var createdAt: Date
    /// The absolute end of the session.
    package var expiresAt: Date
    /// Last use, persisted in batches (validation never writes per call).
    package var lastSeenAt: Date

    package enum Columns {
        package static let id = Column(CodingKeys.id)
        package static let registrationId = Column(CodingKeys.registrationId)
        package static let tokenHash = Column(CodingKeys.tokenHash)
        package static let createdAt = Column(CodingKeys.createdAt)
        package static let expiresAt = Column(CodingKeys.expiresAt)
        package static let lastSeenAt = Column(CodingKeys.lastSeenAt)
    }

    package init(id: String, registrationId: String, tokenHash: String, createdAt: Date, expiresAt: Date, lastSeenAt: Date) {
        self.id = id
        self.registrationId = registrationId
        self.tokenHash = tokenHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastSeenAt = lastSeenAt
    }
}

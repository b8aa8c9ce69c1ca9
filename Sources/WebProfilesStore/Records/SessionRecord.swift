import Foundation
import GRDB

/// A row of `session`: a live login. Only the SHA-256 of the token is stored.
public struct SessionRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "session"

    public var id: String
    public var registrationId: String
    /// SHA-256 (hex) of the session token.
    public var tokenHash: String
    public var createdAt: Date
    /// The absolute end of the session.
    public var expiresAt: Date
    /// Last use, persisted in batches (validation never writes per call).
    public var lastSeenAt: Date

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let registrationId = Column(CodingKeys.registrationId)
        public static let tokenHash = Column(CodingKeys.tokenHash)
        public static let createdAt = Column(CodingKeys.createdAt)
        public static let expiresAt = Column(CodingKeys.expiresAt)
        public static let lastSeenAt = Column(CodingKeys.lastSeenAt)
    }

    public init(id: String, registrationId: String, tokenHash: String, createdAt: Date, expiresAt: Date, lastSeenAt: Date) {
        self.id = id
        self.registrationId = registrationId
        self.tokenHash = tokenHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastSeenAt = lastSeenAt
    }
}

import Foundation
import GRDB

/// A row of `auditEvent`: one change, written in the same transaction as the change.
public struct AuditEventRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "auditEvent"

    public var id: Int64?
    public var at: Date
    /// See ``AuditAction``.
    public var action: AuditAction
    /// `registration:<id>`, `operator:uid=<uid>` or `system`.
    public var actor: String
    public var companyId: String?
    public var targetRegistrationId: String?
    /// JSON object of the fields before the change.
    public var before: String?
    /// JSON object of the fields after the change.
    public var after: String?

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let at = Column(CodingKeys.at)
        public static let companyId = Column(CodingKeys.companyId)
        public static let targetRegistrationId = Column(CodingKeys.targetRegistrationId)
    }
}

/// The kinds of audit events.
public enum AuditAction: String, Codable, Sendable, CaseIterable {
    case registered
    case activated
    case profileChanged
    case revoked
    case restored
    case locked
    case unlocked
    case login
    case loginFailed
    case logout
    case sessionRevoked
    case passwordChanged
    case companyCreated
    case legalRepresentativeChanged
    case linesChanged
}

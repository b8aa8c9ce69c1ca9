import Foundation
import GRDB

/// A row of `auditEvent`: one change, written in the same transaction as the change.
package struct AuditEventRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    package static let databaseTableName = "auditEvent"

    package var id: Int64?
    package var at: Date
    /// See ``AuditAction``.
    package var action: AuditAction
    /// `registration:<id>`, `operator:uid=<uid>` or `system`.
    package var actor: String
    package var companyId: String?
    package var targetRegistrationId: String?
    /// JSON object of the fields before the change.
    package var before: String?
    /// JSON object of the fields after the change.
    package var after: String?

    package mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    package enum Columns {
        package static let id = Column(CodingKeys.id)
        package static let at = Column(CodingKeys.at)
        package static let companyId = Column(CodingKeys.companyId)
        package static let targetRegistrationId = Column(CodingKeys.targetRegistrationId)
    }
}

/// The kinds of audit events.
package enum AuditAction: String, Codable, Sendable, CaseIterable {
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

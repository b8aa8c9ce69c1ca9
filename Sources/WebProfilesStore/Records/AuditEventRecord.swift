import Foundation

/// A row of `auditEvent`: one change, written in the same transaction as the change.
package struct AuditEventRecord: Sendable, Hashable {
    package static let columns = ["id", "at", "action", "actor", "agent", "ticket", "companyId", "targetRegistrationId", "targetAccountId",
                                  "before", "after"]

    /// Given by the database when inserted.
    package var id: Int64?
    package var at: Date
    package var action: AuditAction
    /// `registration:<id>`, `operator:uid=<uid>`, `system` or `anonymous`.
    package var actor: String
    /// For operator actions: the desk agent and the ticket (call metadata).
    package var agent: String?
    package var ticket: String?
    package var companyId: String?
    /// The registration (membership) the event is about.
    package var targetRegistrationId: String?
    /// The account the event is about (account-wide events: logins, passwords, second factor).
    package var targetAccountId: String?
    /// JSON object of the fields before the change.
    package var before: String?
    /// JSON object of the fields after the change.
    package var after: String?

    package init(id: Int64? = nil, at: Date, action: AuditAction, actor: String, agent: String? = nil, ticket: String? = nil,
                 companyId: String?, targetRegistrationId: String?, targetAccountId: String? = nil, before: String? = nil, after: String? = nil) {
        self.id = id
        self.at = at
        self.action = action
        self.actor = actor
        self.agent = agent
        self.ticket = ticket
        self.companyId = companyId
        self.targetRegistrationId = targetRegistrationId
        self.targetAccountId = targetAccountId
        self.before = before
        self.after = after
    }

    package init(row: SQLRow) throws {
        id = try row["id"]
        at = try row["at"]
        let action: String = try row["action"]
        guard let known = AuditAction(rawValue: action) else { throw StoreError(.internal, "unknown audit action \(action)") }
        self.action = known
        actor = try row["actor"]
        agent = try row["agent"]
        ticket = try row["ticket"]
        companyId = try row["companyId"]
        targetRegistrationId = try row["targetRegistrationId"]
        targetAccountId = try row["targetAccountId"]
        before = try row["before"]
        after = try row["after"]
    }

    /// Inserts the event; returns the id the database gave it.
    package func insert(_ tx: some StoreTransaction) throws -> Int64 {
        let inserted = Array(Self.columns.dropFirst())
        let placeholders = Array(repeating: "?", count: inserted.count).joined(separator: ", ")
        let row = try tx.row("INSERT INTO auditEvent (\(inserted.joined(separator: ", "))) VALUES (\(placeholders)) RETURNING id", [
            at.sqlValue, action.rawValue.sqlValue, actor.sqlValue, agent.sqlValue, ticket.sqlValue, companyId.sqlValue,
            targetRegistrationId.sqlValue, targetAccountId.sqlValue, before.sqlValue, after.sqlValue,
        ])
        guard let row else { throw StoreError(.internal, "the audit event got no id") }
        return try row["id"]
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
    case detailsChanged
    case invitationAccepted
    case recoveryRequested
    case credentialsReset
    case activationReissued
    case legalRepresentativeUpdated
    case referentTypesChanged
    case secondFactorEnrolled
    case secondFactorDisabled
    case secondFactorReset
    case auditPurged
}

import Foundation

/// Filters of an audit listing.
package struct AuditFilter: Sendable, Hashable {
    /// Only the events of this company (a company's own trail), with the account-wide events
    /// (no company: failed logins, lockouts, passwords) of the people it has registered.
    package var companyID: String?
    /// Only the events about this registration (and the account-wide ones of its account).
    package var registrationID: String?
    package var action: AuditAction?
    /// From this time on (inclusive).
    package var since: Date?
    /// Before this time (exclusive).
    package var until: Date?

    package init(companyID: String? = nil, registrationID: String? = nil, action: AuditAction? = nil, since: Date? = nil, until: Date? = nil) {
        self.companyID = companyID
        self.registrationID = registrationID
        self.action = action
        self.since = since
        self.until = until
    }
}

extension ProfileStore {
    /// Audit events in order, after the event id given.
    package func listAuditEvents(_ filter: AuditFilter, pageSize: Int, afterID: Int64?) async throws -> Page<AuditEventRecord> {
        try await read { tx in
            var conditions: [String] = []
            var arguments: [SQLValue] = []
            if let companyID = filter.companyID {
                // The company's events, and the account-wide ones (failed logins, lockouts,
                // passwords) of the people it has registered.
                conditions.append("(companyId = ? OR (companyId IS NULL AND targetAccountId IN (SELECT accountId FROM membership WHERE companyId = ?)))")
                arguments += [.text(companyID), .text(companyID)]
            }
            if let registrationID = filter.registrationID {
                // The registration's own events, and its account's account-wide ones (logins,
                // passwords), which name no registration.
                conditions.append("(targetRegistrationId = ? OR (targetRegistrationId IS NULL AND targetAccountId = (SELECT accountId FROM membership WHERE id = ?)))")
                arguments += [.text(registrationID), .text(registrationID)]
            }
            if let action = filter.action {
                conditions.append("action = ?")
                arguments.append(.text(action.rawValue))
            }
            if let since = filter.since {
                conditions.append("at >= ?")
                arguments.append(.date(since))
            }
            if let until = filter.until {
                conditions.append("at < ?")
                arguments.append(.date(until))
            }
            if let afterID {
                conditions.append("id > ?")
                arguments.append(.integer(afterID))
            }
            let condition = conditions.isEmpty ? "1 = 1" : conditions.joined(separator: " AND ")
            let rows = try tx.rows("SELECT \(AuditEventRecord.columns.joined(separator: ", ")) FROM auditEvent WHERE \(condition) ORDER BY id LIMIT \(pageSize + 1)",
                                   arguments).map(AuditEventRecord.init(row:))
            let items = Array(rows.prefix(pageSize))
            return Page(items: items, nextAfter: rows.count > pageSize ? items.last?.id.map(String.init) : nil)
        }
    }

    /// Deletes the audit events older than `cutoff` (journald keeps its copy), at most `limit`
    /// of them per call so that one transaction stays short, and audits the purge itself.
    /// Returns how many were deleted.
    package func purgeAuditEvents(olderThan cutoff: Date, limit: Int, now: Date) async throws -> Int {
        try await write { tx, log in
            let deleted = try tx.execute("DELETE FROM auditEvent WHERE id IN (SELECT id FROM auditEvent WHERE at < ? ORDER BY id LIMIT \(limit))",
                                         [.date(cutoff)])
            if deleted > 0 {
                log.record(.auditPurged, actor: .system, at: now, company: nil, target: nil,
                           after: ["deleted": String(deleted), "olderThan": ISO8601DateFormatter().string(from: cutoff)])
            }
            return deleted
        }
    }
}

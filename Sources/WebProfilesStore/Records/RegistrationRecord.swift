import Foundation
import WebProfilesDomain

/// A membership with its account: what the wire calls a registration (one person in one company).
package struct RegistrationRecord: Sendable, Hashable {
    package var membership: MembershipRecord
    package var account: AccountRecord

    package init(membership: MembershipRecord, account: AccountRecord) {
        self.membership = membership
        self.account = account
    }

    /// The registration id: the membership's.
    package var id: String { membership.id }
    package var accountId: String { account.id }
    package var companyId: String { membership.companyId }
    package var username: String { account.username }
    package var displayName: String { membership.displayName }
    package var email: String { membership.email }
    package var profile: Profile { membership.profile }
    package var referent: String? { membership.referent }
    package var line: String? { membership.line }
    package var status: RegistrationStatus { membership.status }
    package var createdAt: Date { membership.createdAt }
    package var updatedAt: Date { max(membership.updatedAt, account.updatedAt) }
    package var lastLoginAt: Date? { account.lastLoginAt }
    package func isLocked(at now: Date) -> Bool { account.isLocked(at: now) }

    /// Reads the registrations a join of `membership AS m` and `account AS a` returns.
    package static let selectList = MembershipRecord.columns.map { "m.\($0) AS m_\($0)" }.joined(separator: ", ") + ", "
        + AccountRecord.columns.map { "a.\($0) AS a_\($0)" }.joined(separator: ", ")

    package init(row: SQLRow) throws {
        func part(_ prefix: String, _ columns: [String]) -> SQLRow {
            SQLRow(Dictionary(uniqueKeysWithValues: columns.map { ($0, row[raw: prefix + $0] ?? .null) }))
        }
        membership = try MembershipRecord(row: part("m_", MembershipRecord.columns))
        account = try AccountRecord(row: part("a_", AccountRecord.columns))
    }

    /// The registrations matching `condition` (over `m` and `a`), in `order`.
    package static func fetchAll(_ tx: some StoreTransaction, where condition: String, _ arguments: [SQLValue] = [],
                                 orderBy order: String? = nil, limit: Int? = nil) throws -> [RegistrationRecord] {
        var sql = "SELECT \(selectList) FROM membership m JOIN account a ON a.id = m.accountId WHERE \(condition)"
        if let order { sql += " ORDER BY \(order)" }
        if let limit { sql += " LIMIT \(limit)" }
        return try tx.rows(sql, arguments).map(RegistrationRecord.init(row:))
    }

    package static func fetchOne(_ tx: some StoreTransaction, id: String) throws -> RegistrationRecord? {
        try fetchOne(tx, where: "m.id = ?", [.text(id)])
    }

    package static func fetchOne(_ tx: some StoreTransaction, where condition: String, _ arguments: [SQLValue] = []) throws -> RegistrationRecord? {
        try fetchAll(tx, where: condition, arguments, limit: 1).first
    }
}

/// A refused or failed store operation, with a code the server maps onto a status.
package struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        package static let invalidArgument = Code("invalidArgument")
        package static let notFound = Code("notFound")
        package static let alreadyExists = Code("alreadyExists")
        package static let permissionDenied = Code("permissionDenied")
        package static let failedPrecondition = Code("failedPrecondition")
        package static let unauthenticated = Code("unauthenticated")
        /// The database cannot take the operation now: disk full, read-only, locked, I/O error.
        package static let unavailable = Code("unavailable")
        /// The database is corrupt.
        package static let dataLoss = Code("dataLoss")
        /// The database holds what the code does not expect (a bug, or a schema from elsewhere).
        package static let `internal` = Code("internal")
        /// A constraint of the schema refused the change (another write got there first).
        package static let conflict = Code("conflict")
        package var description: String { name }
    }

    package var code: Code
    package var message: String
    /// The request field at fault, for invalid arguments and conflicts.
    package var field: String?

    package init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    package var description: String { field.map { "\(code): \($0): \(message)" } ?? "\(code): \(message)" }

    /// The error a violated constraint means, by its name (SQLite names the columns or the index,
    /// PostgreSQL the constraint): the same answer a check before the write would have given.
    package static func forConstraint(_ message: String) -> StoreError {
        let known: [(String, StoreError)] = [
            ("account.username", StoreError(.alreadyExists, "the username is taken", field: "username")),
            ("account_username", StoreError(.alreadyExists, "the username is taken", field: "username")),
            ("company.vatNumber", StoreError(.alreadyExists, "a company with this VAT number exists", field: "vatNumber")),
            ("company_vatnumber", StoreError(.alreadyExists, "a company with this VAT number exists", field: "vatNumber")),
            ("membership_live_line", StoreError(.alreadyExists, "the line is already held by another registration", field: "line")),
            ("membership_live_legal_rep", StoreError(.failedPrecondition, "the company already has a live legal representative")),
            ("membership.accountId, membership.companyId", StoreError(.alreadyExists, "the person is already registered in the company", field: "username")),
            ("membership_account_company", StoreError(.alreadyExists, "the person is already registered in the company", field: "username")),
            ("line.msisdn", StoreError(.alreadyExists, "the number already belongs to a company", field: "msisdn")),
            ("line_pkey", StoreError(.alreadyExists, "the number already belongs to a company", field: "msisdn")),
        ]
        for (name, error) in known where message.lowercased().contains(name.lowercased()) { return error }
        return StoreError(.conflict, "the change conflicted with another one; try again")
    }
}

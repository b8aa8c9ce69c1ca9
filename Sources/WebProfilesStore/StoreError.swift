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
}

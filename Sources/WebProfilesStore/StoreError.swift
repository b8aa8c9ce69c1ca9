/// A refused or failed store operation, with a code the server maps onto a status.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public static let invalidArgument = Code("invalidArgument")
        public static let notFound = Code("notFound")
        public static let alreadyExists = Code("alreadyExists")
        public static let permissionDenied = Code("permissionDenied")
        public static let failedPrecondition = Code("failedPrecondition")
        public static let unauthenticated = Code("unauthenticated")
        /// The database cannot take the operation now: disk full, read-only, locked, I/O error.
        public static let unavailable = Code("unavailable")
        /// The database is corrupt.
        public static let dataLoss = Code("dataLoss")
        public var description: String { name }
    }

    public var code: Code
    public var message: String
    /// The request field at fault, for invalid arguments and conflicts.
    public var field: String?

    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String { field.map { "\(code): \($0): \(message)" } ?? "\(code): \(message)" }
}

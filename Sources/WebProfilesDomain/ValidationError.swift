/// An input that fails validation, naming the field.
public struct ValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The request field, e.g. `vatNumber` or `legalRepresentative.fiscalCode`.
    public var field: String
    public var message: String

    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

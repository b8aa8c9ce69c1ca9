import CBOR

/// The error of a call: a status code and a message, as they cross the wire.
///
/// Only ``code``, ``message`` and ``details`` are ever sent to a peer. ``cause`` is for the
/// local log and never leaves the process.
public struct RPCError: Error, Sendable, CustomStringConvertible {
    /// The status the call ends with (never ``StatusCode/ok``).
    public var code: StatusCode
    /// A human-readable explanation, safe to show to the caller.
    public var message: String
    /// Optional structured details (a CBOR map), for example the offending field.
    public var details: CBORValue?
    /// The underlying error, kept local.
    public var cause: (any Error)?

    public init(code: StatusCode, message: String, details: CBORValue? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.details = details
        self.cause = cause
    }

    public var description: String { "\(code.name): \(message)" }

    /// INVALID_ARGUMENT naming the offending field, as a detail `{"field": name}` and in the message.
    public static func invalidArgument(field: String, _ message: String) -> RPCError {
        RPCError(code: .invalidArgument, message: "\(field): \(message)", details: .textMap(["field": .text(field)]))
    }
}

import CBOR
import WebProfilesDomain
import WebProfilesStore
import WebProfilesWire

/// Errors that know the status and message they go out with.
protocol RPCErrorConvertible: Error {
    var rpcError: RPCError { get }
}

extension StoreError: RPCErrorConvertible {
    var rpcError: RPCError {
        let status: StatusCode
        switch code {
        case .invalidArgument: status = .invalidArgument
        case .notFound: status = .notFound
        case .alreadyExists: status = .alreadyExists
        case .permissionDenied: status = .permissionDenied
        case .failedPrecondition: status = .failedPrecondition
        case .unauthenticated: status = .unauthenticated
        case .unavailable: status = .unavailable
        case .dataLoss: status = .dataLoss
        case .conflict: status = .aborted
        default:
            // Anything else is the daemon's own failure: only "internal error" goes out (the
            // router logs the cause), as PROTOCOL.md §5 says.
            return RPCError(code: .internal, message: "internal error", cause: self)
        }
        let message = field.map { "\($0): \(self.message)" } ?? self.message
        return RPCError(code: status, message: message, details: field.map { .textMap(["field": .text($0)]) })
    }
}

extension ValidationError: RPCErrorConvertible {
    var rpcError: RPCError { .invalidArgument(field: field, message) }
}

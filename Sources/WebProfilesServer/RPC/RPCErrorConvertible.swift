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
        let status: StatusCode = switch code {
        case .invalidArgument: .invalidArgument
        case .notFound: .notFound
        case .alreadyExists: .alreadyExists
        case .permissionDenied: .permissionDenied
        case .failedPrecondition: .failedPrecondition
        case .unauthenticated: .unauthenticated
        case .unavailable: .unavailable
        case .dataLoss: .dataLoss
        default: .internal
        }
        let message = field.map { "\($0): \(self.message)" } ?? self.message
        return RPCError(code: status, message: message, details: field.map { .textMap(["field": .text($0)]) })
    }
}

extension ValidationError: RPCErrorConvertible {
    var rpcError: RPCError { .invalidArgument(field: field, message) }
}

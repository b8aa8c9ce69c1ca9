import GRPCCore
import Logging
import WebProfilesAPI
import WebProfilesWire

/// `webprofiles.v1.Session/Authorize` as a gRPC service, answered by the daemon's rules over its
/// database (``SessionAuthorizer/authorize(token:request:)``) with JSON messages.
///
/// Defined without code generation: ``registerMethods(with:)`` registers the one unary method
/// with the router directly, which is what generated service code does.
struct AuthorizeService: RegistrableRPCService {
    /// The method, named as the daemon names it (``SessionAPI/authorize``).
    static let method = GRPCCore.MethodDescriptor(fullyQualifiedService: "webprofiles.v1.Session", method: "Authorize", type: .unary)

    let authorizer: SessionAuthorizer
    let logger: Logger

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(
            forMethod: Self.method,
            deserializer: JSONMessageDeserializer<AuthorizeRequest>(),
            serializer: JSONMessageSerializer<AuthorizeResponse>()
        ) { request, _ in
            let single = try await ServerRequest(stream: request)
            return StreamingServerResponse(single: await self.authorize(single))
        }
    }

    /// Answers one call: the session token comes from `authorization: Bearer <token>` metadata,
    /// as on the daemon's socket.
    func authorize(_ request: ServerRequest<AuthorizeRequest>) async -> ServerResponse<AuthorizeResponse> {
        let token = Self.bearerToken(in: request.metadata)
        do {
            return ServerResponse(message: try await authorizer.authorize(token: token, request: request.message))
        } catch {
            return ServerResponse(error: rpcError(for: error))
        }
    }

    /// The session token of the call's `authorization` metadata, read by the daemon's own rule
    /// (`Bearer <token>`); nil if there is none.
    static func bearerToken(in metadata: GRPCCore.Metadata) -> String? {
        var values = metadata[stringValues: WebProfilesWire.Metadata.authorization].makeIterator()
        return values.next().flatMap { WebProfilesWire.Metadata.bearerToken([WebProfilesWire.Metadata.authorization: $0]) }
    }

    /// The gRPC error for a failure, mapped as the daemon's router maps it for its own socket:
    /// its ``WebProfilesWire/RPCError``s keep their code and message, cancellation is CANCELLED and
    /// anything else is INTERNAL with a generic message (the cause is logged, never sent).
    private func rpcError(for error: any Error) -> GRPCCore.RPCError {
        switch error {
        case let error as WebProfilesWire.RPCError:
            return GRPCCore.RPCError(code: Self.code(for: error.code), message: error.message)
        case is CancellationError:
            return GRPCCore.RPCError(code: .cancelled, message: "call cancelled")
        default:
            logger.error("call failed with an unexpected error", metadata: ["error": "\(String(reflecting: error))"])
            return GRPCCore.RPCError(code: .internalError, message: "internal error")
        }
    }

    /// The gRPC code with the same number: the daemon numbers its status codes as gRPC does.
    static func code(for status: StatusCode) -> GRPCCore.RPCError.Code {
        Status.Code(rawValue: Int(status.rawValue)).flatMap { GRPCCore.RPCError.Code($0) } ?? .unknown
    }
}

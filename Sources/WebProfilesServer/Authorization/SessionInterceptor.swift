import WebProfilesStore
import WebProfilesTransport
import WebProfilesWire

/// The interceptor that resolves `authorization: Bearer <token>` to a session for every method
/// that requires one. Missing, malformed, unknown, expired and revoked sessions all give the same
/// UNAUTHENTICATED answer.
struct SessionInterceptor: ServerInterceptor {
    let authorizer: Authorizer

    static let unauthenticated = RPCError(code: .unauthenticated, message: "missing, invalid or expired session")

    func intercept(_ context: inout CallContext, method: MethodInfo) async throws {
        guard method.requiresSession else { return }
        context.session = try await authorizer.authenticate(bearerToken: Metadata.bearerToken(context.metadata))
    }

    func interceptImmediately(_ context: inout CallContext, method: MethodInfo) throws -> Bool {
        guard method.requiresSession else { return true }
        switch try authorizer.authenticateFromMemory(bearerToken: Metadata.bearerToken(context.metadata)) {
        case .answered(let session):
            context.session = session
            return true
        case .needsStore:
            return false
        }
    }
}

import Foundation
import Logging
import WebProfilesStore
import WebProfilesTransport
import WebProfilesWire

/// The interceptor that resolves `authorization: Bearer <token>` to a session for every method
/// that requires one. Missing, malformed, unknown, expired and revoked sessions all give the same
/// UNAUTHENTICATED answer.
struct SessionAuthenticator: ServerInterceptor {
    let directory: Directory

    static let unauthenticated = RPCError(code: .unauthenticated, message: "missing, invalid or expired session")

    func intercept(_ context: inout CallContext, method: MethodInfo) async throws {
        guard method.requiresSession else { return }
        guard let token = Metadata.bearerToken(context.metadata), Secrets.looksLikeSessionToken(token) else {
            throw Self.unauthenticated
        }
        guard let session = try await directory.authenticate(tokenHash: Secrets.sha256Hex(token)) else {
            throw Self.unauthenticated
        }
        context.session = session
        context.logger[metadataKey: "registration"] = "\(session.principal.registrationID)"
    }
}

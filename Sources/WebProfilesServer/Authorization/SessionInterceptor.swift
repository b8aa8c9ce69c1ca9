import WebProfilesAPI
import WebProfilesStore
import WebProfilesTransport
import WebProfilesWire

/// The interceptor that resolves `authorization: Bearer <token>` to a session for every method
/// that requires one. Missing, malformed, unknown, expired and revoked sessions all give the same
/// UNAUTHENTICATED answer. A session with a required action (a second factor to enrol) may call
/// only the methods that complete it, `Whoami` and `Logout`; anything else is refused
/// FAILED_PRECONDITION saying what to do.
struct SessionInterceptor: ServerInterceptor {
    let authorizer: Authorizer

    static let unauthenticated = RPCError(code: .unauthenticated, message: "missing, invalid or expired session")

    /// What a session waiting for `enrollSecondFactor` may call.
    static let allowedDuringEnrollment: Set<String> = [
        SessionAPI.beginTOTPEnrollment.name, SessionAPI.confirmTOTPEnrollment.name, SessionAPI.whoami.name, SessionAPI.logout.name,
        SessionAPI.getAccount.name,
    ]

    func intercept(_ context: inout CallContext, method: MethodInfo) async throws {
        guard method.requiresSession else { return }
        let session = try await authorizer.authenticate(bearerToken: Metadata.bearerToken(context.metadata), countHits: !context.cacheHitsCounted)
        try Self.checkRequiredAction(session, method: method)
        context.session = session
    }

    func interceptImmediately(_ context: inout CallContext, method: MethodInfo) throws -> Bool {
        guard method.requiresSession else { return true }
        switch try authorizer.authenticateFromMemory(bearerToken: Metadata.bearerToken(context.metadata)) {
        case .answered(let session):
            context.cacheHitsCounted = true
            try Self.checkRequiredAction(session, method: method)
            context.session = session
            return true
        case .needsStore:
            return false
        }
    }

    static func checkRequiredAction(_ session: AuthenticatedSession, method: MethodInfo) throws(RPCError) {
        guard let action = session.requiredAction, !allowedDuringEnrollment.contains(method.name) else { return }
        switch action {
        case .enrollSecondFactor:
            throw RPCError(code: .failedPrecondition,
                           message: "your profile requires a second factor: enrol one (Session/BeginTOTPEnrollment, then Session/ConfirmTOTPEnrollment) before anything else")
        }
    }
}

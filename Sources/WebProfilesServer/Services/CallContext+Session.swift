import WebProfilesTransport
import WebProfilesDomain
import WebProfilesStore
import WebProfilesWire

extension CallContext {
    /// The caller's session (present for every method that requires one).
    func requireSession() throws -> AuthenticatedSession {
        guard let session else { throw SessionInterceptor.unauthenticated }
        return session
    }

    /// The caller's session, which must hold `permission`.
    func requireSession(holding permission: Permission) throws -> AuthenticatedSession {
        let session = try requireSession()
        guard PermissionTable.grant(permission, to: session.principal.profile) != .denied else {
            throw RPCError(code: .permissionDenied, message: "the \(session.principal.profile) profile does not hold \(permission)")
        }
        return session
    }

    /// The session a write acts through (re-checked inside the write's transaction).
    func sessionActor(_ session: AuthenticatedSession) -> SessionActor {
        SessionActor(registrationID: session.principal.registrationID, sessionID: session.sessionID)
    }

    /// Where a password check comes from, for throttling: the end user's address when the portal
    /// passes it (`client-ip` metadata), and the local peer.
    func loginSources() throws(RPCError) -> [LoginSource] {
        var sources: [LoginSource] = [.peer(uid: peer.uid)]
        if let address = try ClientAddress.from(metadata) { sources.insert(.address(address), at: 0) }
        return sources
    }

    /// The audit actor for operator-plane calls.
    var operatorActor: AuditActor { .operator(uid: peer.uid) }
}

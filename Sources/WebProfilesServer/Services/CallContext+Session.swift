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

    /// The caller's session and their principal in the company the call is about, which must
    /// hold `permission` (see ``AuthenticatedSession/principal(for:)``).
    func requireMember(of companyID: String?, holding permission: Permission) throws -> (AuthenticatedSession, CachedPrincipal) {
        let session = try requireSession()
        return (session, try session.principal(for: companyID, holding: permission))
    }

    /// Where a password check comes from, for throttling: the end user's address when the portal
    /// passes it (`client-ip` metadata), and the local peer.
    func loginSources() throws(RPCError) -> [LoginSource] {
        var sources: [LoginSource] = [.peer(uid: peer.uid)]
        if let address = try ClientAddress.from(metadata) { sources.insert(.address(address), at: 0) }
        return sources
    }

    /// The end user behind the call, as the portal passed them (`client-ip`, `user-agent`).
    func clientDetails() throws(RPCError) -> ClientDetails {
        ClientDetails(address: try ClientAddress.from(metadata), userAgent: try UserAgent.from(metadata))
    }

    /// The audit actor of an operator-plane write: the peer, with the desk agent and the ticket
    /// the call carries (`operator-agent` is required).
    func operatorWriter() throws(RPCError) -> AuditActor {
        let accountability = try OperatorAccountability.from(metadata)
        return .operator(uid: peer.uid, agent: accountability.agent, ticket: accountability.ticket)
    }

    /// The audit actor of operator-plane reads (agent and ticket when given).
    var operatorActor: AuditActor {
        let accountability = try? OperatorAccountability.from(metadata)
        return .operator(uid: peer.uid, agent: accountability?.agent, ticket: accountability?.ticket)
    }
}

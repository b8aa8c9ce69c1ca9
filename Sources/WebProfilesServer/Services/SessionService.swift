import CBOR
import Logging
import WebProfilesAPI
import WebProfilesDomain
import WebProfilesStore
import WebProfilesTransport
import WebProfilesWire

/// `webprofiles.v1.Session` on the API socket.
struct SessionService {
    let accounts: AccountsService

    func register(in router: inout Router) {
        let accounts = self.accounts
        router.register(SessionAPI.login, on: [.api]) { request, context in
            do {
                let (response, principal) = try await accounts.login(username: request.username, password: request.password,
                                                                           sources: try context.loginSources(), peer: context.peer.uid)
                context.logger.info("login", metadata: ["registration": "\(principal.registrationID)", "session": "\(response.sessionId)"])
                return response
            } catch let error as RPCError where error.code == .unauthenticated {
                context.logger.info("login failed")
                throw error
            }
        }
        router.register(SessionAPI.activate, on: [.api]) { request, context in
            ActivateResponse(principal: try await accounts.activate(code: request.activationCode, password: request.password, peer: context.peer.uid).principal)
        }
        // Needs nothing beyond the session: answered on the event loop whenever the session is cached.
        @Sendable func whoami(_ context: CallContext) throws -> WhoamiResponse {
            let session = try context.requireSession()
            return WhoamiResponse(principal: session.principal.principal, session: accounts.sessionInfo(session))
        }
        router.register(SessionAPI.whoami, on: [.api], immediate: { _, context in try whoami(context) }) { _, context in
            try whoami(context)
        }
        // The hot path: answered on the event loop when the session, its registration and the
        // company's lines are cached.
        router.register(SessionAPI.authorize, on: [.api], immediate: { request, context -> PreencodedAuthorizeResponse? in
            let session = try context.requireSession()
            guard case .answered(let decision) = try accounts.authorizer.authorizeFromMemory(request, session: session),
                  let principal = session.principal.encodedPrincipal else { return nil }
            return PreencodedAuthorizeResponse(allowed: decision.allowed, reason: decision.reason, principal: principal)
        }) { request, context in
            try await accounts.authorizer.authorize(request, session: try context.requireSession())
        }
        router.register(SessionAPI.logout, on: [.api]) { _, context in
            let session = try context.requireSession()
            _ = try await accounts.endSession(id: session.sessionID, of: session, action: .logout)
            return Empty()
        }
        router.register(SessionAPI.listSessions, on: [.api]) { _, context in
            ListSessionsResponse(sessions: try await accounts.listSessions(of: try context.requireSession()))
        }
        router.register(SessionAPI.revokeSession, on: [.api]) { request, context in
            let session = try context.requireSession()
            guard try await accounts.endSession(id: request.sessionId, of: session, action: .sessionRevoked) else {
                throw RPCError(code: .notFound, message: "you have no session \(request.sessionId.prefix(64))", details: .textMap(["field": .text("sessionId")]))
            }
            return Empty()
        }
        router.register(SessionAPI.changePassword, on: [.api]) { request, context in
            try await accounts.changePassword(session: try context.requireSession(), current: request.currentPassword, new: request.newPassword,
                                               sources: try context.loginSources(), peer: context.peer.uid)
            return Empty()
        }
    }
}

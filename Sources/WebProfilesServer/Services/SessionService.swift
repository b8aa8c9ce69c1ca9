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
                let (response, accountID) = try await accounts.login(LoginInput(
                    username: request.username, password: request.password, otp: request.otp, companyID: request.companyId,
                    client: try context.clientDetails(), sources: try context.loginSources(), peer: context.peer.uid))
                context.logger.info("login", metadata: ["account": "\(accountID)", "session": "\(response.sessionId)"])
                return response
            } catch let error as RPCError where error.code == .unauthenticated {
                context.logger.info("login failed")
                throw error
            }
        }
        router.register(SessionAPI.activate, on: [.api]) { request, context in
            ActivateResponse(principal: try await accounts.activate(code: request.activationCode, password: request.password, peer: context.peer.uid).principal)
        }
        router.register(SessionAPI.requestRecovery, on: [.api]) { request, _ in
            RequestRecoveryResponse(delivery: try await accounts.requestRecovery(username: request.username))
        }
        router.register(SessionAPI.completeRecovery, on: [.api]) { request, context in
            try await accounts.completeRecovery(code: request.recoveryCode, newPassword: request.newPassword, peer: context.peer.uid)
            return Empty()
        }
        // Needs nothing beyond the session: answered on the event loop whenever the session is cached.
        @Sendable func whoami(_ request: WhoamiRequest, _ context: CallContext) throws -> WhoamiResponse {
            let session = try context.requireSession()
            return WhoamiResponse(principal: try session.principal(for: request.companyId).principal, session: accounts.sessionInfo(session),
                                  memberships: try session.account.memberships, requiredAction: session.requiredAction?.rawValue)
        }
        router.register(SessionAPI.whoami, on: [.api], immediate: { request, context in try whoami(request, context) }) { request, context in try whoami(request, context) }
        // The hot path: answered on the event loop when the session, its account and the
        // company's lines are cached.
        router.register(SessionAPI.authorize, on: [.api], immediate: { request, context -> PreencodedAuthorizeResponse? in
            let session = try context.requireSession()
            guard case .answered(let (decision, principal)) = try accounts.authorizer.authorizeFromMemory(request, session: session) else { return nil }
            return PreencodedAuthorizeResponse(allowed: decision.allowed, reason: decision.reason, principal: CBOREncodedValue(encodedBytes: principal.encoded))
        }) { request, context in
            try await accounts.authorizer.authorize(request, session: try context.requireSession())
        }
        // Hotter still: answered from the REQUEST's bytes, before any parsing (AuthorizeInPlace).
        let inPlace = AuthorizeInPlace(authorizer: accounts.authorizer)
        router.registerInPlace(SessionAPI.authorize, on: [.api]) { bytes, envelope, allocator in
            inPlace.answer(bytes, envelope, allocator: allocator)
        }
        // Many checks, or the lines a permission reaches: answered on the event loop like
        // Authorize when the company's lines are cached.
        router.register(SessionAPI.authorizeMany, on: [.api], immediate: { request, context -> AuthorizeManyResponse? in
            guard case .answered(let response) = try accounts.authorizer.authorizeManyFromMemory(request, session: try context.requireSession()) else { return nil }
            return response
        }) { request, context in
            try await accounts.authorizer.authorizeMany(request, session: try context.requireSession())
        }
        router.register(SessionAPI.listAuthorizedLines, on: [.api], immediate: { request, context -> ListAuthorizedLinesResponse? in
            guard case .answered(let response) = try accounts.authorizer.listAuthorizedLinesFromMemory(request, session: try context.requireSession()) else {
                return nil
            }
            return response
        }) { request, context in
            try await accounts.authorizer.listAuthorizedLines(request, session: try context.requireSession())
        }
        router.register(SessionAPI.selectCompany, on: [.api]) { request, context in
            PrincipalResponse(principal: try await accounts.selectCompany(request.companyId, session: try context.requireSession()).principal)
        }
        router.register(SessionAPI.acceptInvitation, on: [.api]) { request, context in
            PrincipalResponse(principal: try await accounts.acceptInvitation(code: request.invitationCode, session: try context.requireSession()).principal)
        }
        router.register(SessionAPI.getAccount, on: [.api]) { _, context in
            AccountResponse(account: try await accounts.account(of: try context.requireSession()))
        }
        router.register(SessionAPI.updateMyDetails, on: [.api]) { request, context in
            let session = try context.requireSession()
            _ = try await accounts.updateMyDetails(
                session: session,
                displayName: try request.displayName.map { try TextRules.name($0, field: "displayName") },
                email: try request.email.map { try TextRules.email($0) },
                currentPassword: request.currentPassword, sources: try context.loginSources(), peer: context.peer.uid)
            return AccountResponse(account: try await accounts.account(of: session))
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
                throw RPCError(code: .notFound, message: "you have no session \(LogSafe.text(request.sessionId, maxLength: 64))",
                               details: .textMap(["field": .text("sessionId")]))
            }
            return Empty()
        }
        router.register(SessionAPI.revokeOtherSessions, on: [.api]) { _, context in
            let session = try context.requireSession()
            let ended = try await accounts.store.endOtherSessions(caller: session.accountActor, now: accounts.now())
            return SessionsEndedResponse(sessionsEnded: ended.count)
        }
        router.register(SessionAPI.changePassword, on: [.api]) { request, context in
            try await accounts.changePassword(session: try context.requireSession(), current: request.currentPassword, new: request.newPassword,
                                              sources: try context.loginSources(), peer: context.peer.uid)
            return Empty()
        }
        router.register(SessionAPI.beginTOTPEnrollment, on: [.api]) { _, context in
            try await accounts.beginTOTPEnrollment(session: try context.requireSession())
        }
        router.register(SessionAPI.confirmTOTPEnrollment, on: [.api]) { request, context in
            ConfirmTOTPEnrollmentResponse(recoveryCodes: try await accounts.confirmTOTPEnrollment(session: try context.requireSession(), code: request.code))
        }
        router.register(SessionAPI.disableTOTP, on: [.api]) { request, context in
            try await accounts.disableTOTP(session: try context.requireSession(), password: request.password, sources: try context.loginSources(),
                                           peer: context.peer.uid)
            return Empty()
        }
    }
}

import CBOR
import Logging
import WebProfilesAPI
import WebProfilesDomain
import WebProfilesStore
import WebProfilesTransport
import WebProfilesWire

/// `webprofiles.v1.Session` on the API socket.
struct SessionService {
    let directory: Directory

    func register(in router: inout Router) {
        let directory = self.directory
        router.register(SessionAPI.login, on: [.api]) { request, context in
            do {
                let (response, principal) = try await directory.login(username: request.username, password: request.password)
                context.logger.info("login", metadata: ["registration": "\(principal.registrationID)", "session": "\(response.sessionId)"])
                return response
            } catch let error as RPCError where error.code == .unauthenticated {
                context.logger.info("login failed")
                throw error
            }
        }
        router.register(SessionAPI.activate, on: [.api]) { request, _ in
            ActivateResponse(principal: try await directory.activate(code: request.activationCode, password: request.password).principal)
        }
        router.register(SessionAPI.whoami, on: [.api]) { _, context in
            let session = try context.requireSession()
            return WhoamiResponse(principal: session.principal.principal, session: directory.sessionInfo(session))
        }
        router.register(SessionAPI.authorize, on: [.api]) { request, context in
            let session = try context.requireSession()
            var line: MSISDN?
            if request.permission.isLineScoped {
                guard let text = request.line else {
                    throw RPCError.invalidArgument(field: "line", "\(request.permission) is checked against a line")
                }
                line = try MSISDN(text, field: "line")
            } else if request.line != nil {
                throw RPCError.invalidArgument(field: "line", "\(request.permission) does not take a line")
            }
            let decision = try await directory.authorize(session.principal, permission: request.permission, line: line)
            return AuthorizeResponse(allowed: decision.allowed, reason: decision.reason, principal: session.principal.principal)
        }
        router.register(SessionAPI.logout, on: [.api]) { _, context in
            let session = try context.requireSession()
            _ = try await directory.endSession(id: session.sessionID, of: session, action: .logout)
            return Empty()
        }
        router.register(SessionAPI.listSessions, on: [.api]) { _, context in
            ListSessionsResponse(sessions: try await directory.listSessions(of: try context.requireSession()))
        }
        router.register(SessionAPI.revokeSession, on: [.api]) { request, context in
            let session = try context.requireSession()
            guard try await directory.endSession(id: request.sessionId, of: session, action: .sessionRevoked) else {
                throw RPCError(code: .notFound, message: "you have no session \(request.sessionId.prefix(64))", details: .textMap(["field": .text("sessionId")]))
            }
            return Empty()
        }
        router.register(SessionAPI.changePassword, on: [.api]) { request, context in
            try await directory.changePassword(session: try context.requireSession(), current: request.currentPassword, new: request.newPassword)
            return Empty()
        }
    }
}

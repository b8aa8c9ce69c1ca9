import WebProfilesAPI
import WebProfilesDomain
import WebProfilesStore
import WebProfilesTransport
import WebProfilesWire

/// `webprofiles.v1.Profiles` (Gestione utenze) on the API socket: every call acts inside one
/// company of the caller (`companyId`, or the session's); the checks and the write happen in one
/// transaction in the store.
struct ProfilesService {
    let accounts: AccountsService

    func register(in router: inout Router) {
        let accounts = self.accounts
        let store = accounts.store
        router.register(ProfilesAPI.listRegistrations, on: [.api]) { request, context in
            let (_, principal) = try context.requireMember(of: request.companyId, holding: .usersView)
            let page = try await store.listRegistrations(
                companyID: principal.companyID,
                filter: RegistrationFilter(profile: request.profile, status: request.status, query: try Self.query(request.query)),
                pageSize: try Paging.size(request.pageSize), after: try Paging.key(from: request.pageToken)
            )
            return ListRegistrationsResponse(registrations: page.items.map(accounts.registration), nextPageToken: Paging.token(for: page.nextAfter))
        }
        router.register(ProfilesAPI.getRegistration, on: [.api]) { request, context in
            let (_, principal) = try context.requireMember(of: request.companyId, holding: .usersView)
            guard let record = try await store.registration(id: request.registrationId), record.companyId == principal.companyID else {
                throw StoreError(.notFound, "no registration \(request.registrationId.prefix(64)) in your company", field: "registrationId")
            }
            return RegistrationResponse(registration: accounts.registration(record))
        }
        router.register(ProfilesAPI.registerUser, on: [.api]) { request, context in
            let (session, principal) = try context.requireMember(of: request.companyId, holding: .usersManage)
            let new = NewRegistration(
                username: try Username(request.username),
                displayName: try TextRules.name(request.displayName, field: "displayName"),
                email: try TextRules.email(request.email),
                profile: request.profile,
                line: try request.line.map { try MSISDN($0, field: "line") },
                referent: try request.referent.map { try TextRules.name($0, field: "referent", maxLength: 64) }
            )
            let (code, secret) = accounts.newActivation()
            let record = try await store.registerUser(actor: session.actor(as: principal), new, activation: secret, now: accounts.now())
            return RegistrationWithActivation(registration: accounts.registration(record), activationCode: code, activationExpiresAt: secret.expiresAt)
        }
        router.register(ProfilesAPI.changeProfile, on: [.api]) { request, context in
            let (session, principal) = try context.requireMember(of: request.companyId, holding: .usersManage)
            let record = try await store.changeProfile(
                actor: session.actor(as: principal), targetID: request.registrationId, profile: request.profile,
                line: try request.line.map { try MSISDN($0, field: "line") },
                referent: try request.referent.map { try TextRules.name($0, field: "referent", maxLength: 64) },
                now: accounts.now()
            )
            return RegistrationResponse(registration: accounts.registration(record))
        }
        router.register(ProfilesAPI.revokeCredentials, on: [.api]) { request, context in
            let (session, principal) = try context.requireMember(of: request.companyId, holding: .usersManage)
            let reason = try request.reason.map { try TextRules.name($0, field: "reason", maxLength: 500) }
            let (record, _) = try await store.revoke(actor: session.actor(as: principal), targetID: request.registrationId, reason: reason, now: accounts.now())
            return RegistrationResponse(registration: accounts.registration(record))
        }
        router.register(ProfilesAPI.restoreCredentials, on: [.api]) { request, context in
            let (session, principal) = try context.requireMember(of: request.companyId, holding: .usersManage)
            let (code, secret) = accounts.newActivation()
            let record = try await store.restore(actor: session.actor(as: principal), targetID: request.registrationId, activation: secret, now: accounts.now())
            return RegistrationWithActivation(registration: accounts.registration(record), activationCode: code, activationExpiresAt: secret.expiresAt)
        }
        router.register(ProfilesAPI.getCompany, on: [.api]) { request, context in
            let (_, principal) = try context.requireMember(of: request.companyId, holding: .companyView)
            guard let company = try await store.company(id: principal.companyID) else {
                throw StoreError(.notFound, "your company no longer exists")
            }
            return CompanyResponse(company: AccountsService.company(company))
        }
        router.register(ProfilesAPI.updateRegistration, on: [.api]) { request, context in
            let (session, principal) = try context.requireMember(of: request.companyId, holding: .usersManage)
            let details = try Self.details(displayName: request.displayName, email: request.email)
            let record = try await store.updateRegistration(actor: session.actor(as: principal), targetID: request.registrationId,
                                                            displayName: details.displayName, email: details.email, now: accounts.now())
            return RegistrationResponse(registration: accounts.registration(record))
        }
        router.register(ProfilesAPI.resetCredentials, on: [.api]) { request, context in
            let (session, principal) = try context.requireMember(of: request.companyId, holding: .usersManage)
            let (code, secret) = accounts.newRecoveryCode()
            let (record, recipient, ended) = try await store.resetCredentials(actor: session.actor(as: principal), targetID: request.registrationId,
                                                                              code: secret, now: accounts.now())
            return CredentialsResetResponse(registration: accounts.registration(record), delivery: AccountsService.delivery(recipient, code: code),
                                            sessionsEnded: ended.count)
        }
        router.register(ProfilesAPI.reissueActivation, on: [.api]) { request, context in
            let (session, principal) = try context.requireMember(of: request.companyId, holding: .usersManage)
            let (code, secret) = accounts.newActivation()
            let record = try await store.reissueActivation(actor: session.actor(as: principal), targetID: request.registrationId,
                                                           activation: secret, now: accounts.now())
            return RegistrationWithActivation(registration: accounts.registration(record), activationCode: code, activationExpiresAt: secret.expiresAt)
        }
        router.register(ProfilesAPI.listUserSessions, on: [.api]) { request, context in
            let (session, principal) = try context.requireMember(of: request.companyId, holding: .usersManage)
            let (_, sessions) = try await store.userSessions(actor: session.actor(as: principal), targetID: request.registrationId, now: accounts.now())
            return ListSessionsResponse(sessions: accounts.sessionInfos(sessions, current: nil, showCompany: false))
        }
        router.register(ProfilesAPI.endUserSessions, on: [.api]) { request, context in
            let (session, principal) = try context.requireMember(of: request.companyId, holding: .usersManage)
            let (_, ended) = try await store.endUserSessions(actor: session.actor(as: principal), targetID: request.registrationId, now: accounts.now())
            return SessionsEndedResponse(sessionsEnded: ended.count)
        }
        router.register(ProfilesAPI.listAuditEvents, on: [.api]) { request, context in
            let (_, principal) = try context.requireMember(of: request.companyId, holding: .auditView)
            let filter = AuditFilter(companyID: principal.companyID, registrationID: request.registrationId,
                                     action: try Self.action(request.action), since: request.since, until: request.until)
            let page = try await store.listAuditEvents(filter, pageSize: try Paging.size(request.pageSize), afterID: try Paging.eventID(from: request.pageToken))
            return ListAuditEventsResponse(events: page.items.map(OperatorService.event), nextPageToken: Paging.token(for: page.nextAfter))
        }
    }

    /// A listing's search text, bounded.
    static func query(_ query: String?) throws -> String? {
        guard let query else { return nil }
        try TextRules.bounded(query, maxBytes: 400, field: "query", "must be at most 100 characters")
        return String(query.prefix(100))
    }

    /// The display name and email of an edit, validated; at least one.
    static func details(displayName: String?, email: String?) throws -> (displayName: String?, email: String?) {
        guard displayName != nil || email != nil else {
            throw RPCError.invalidArgument(field: "displayName", "give displayName, email or both")
        }
        return (try displayName.map { try TextRules.name($0, field: "displayName") }, try email.map { try TextRules.email($0) })
    }

    /// An audit action filter, validated.
    static func action(_ text: String?) throws -> AuditAction? {
        guard let text else { return nil }
        guard let action = AuditAction(rawValue: text) else {
            throw RPCError.invalidArgument(field: "action", "is not an audit action (\(AuditAction.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return action
    }
}

import WebProfilesAPI
import WebProfilesDomain
import WebProfilesStore
import WebProfilesTransport
import WebProfilesWire

/// `webprofiles.v1.Profiles` (Gestione utenze) on the API socket: every call acts inside the
/// caller's company; the checks and the write happen in one transaction in the store.
struct ProfilesService {
    let accounts: AccountsService

    func register(in router: inout Router) {
        let accounts = self.accounts
        let store = accounts.store
        router.register(ProfilesAPI.listRegistrations, on: [.api]) { request, context in
            let session = try context.requireSession(holding: .usersView)
            let page = try await store.listRegistrations(
                companyID: session.principal.companyID,
                filter: RegistrationFilter(profile: request.profile, status: request.status, query: request.query.map { String($0.prefix(100)) }),
                pageSize: try Paging.size(request.pageSize), after: try Paging.key(from: request.pageToken)
            )
            return ListRegistrationsResponse(registrations: page.items.map(accounts.registration), nextPageToken: Paging.token(for: page.nextAfter))
        }
        router.register(ProfilesAPI.getRegistration, on: [.api]) { request, context in
            let session = try context.requireSession(holding: .usersView)
            guard let record = try await store.registration(id: request.registrationId), record.companyId == session.principal.companyID else {
                throw StoreError(.notFound, "no registration \(request.registrationId.prefix(64)) in your company", field: "registrationId")
            }
            return RegistrationResponse(registration: accounts.registration(record))
        }
        router.register(ProfilesAPI.registerUser, on: [.api]) { request, context in
            let session = try context.requireSession(holding: .usersManage)
            let new = NewRegistration(
                username: try Username(request.username),
                displayName: try TextRules.name(request.displayName, field: "displayName"),
                email: try TextRules.email(request.email),
                profile: request.profile,
                line: try request.line.map { try MSISDN($0, field: "line") },
                referent: try request.referent.map { try TextRules.name($0, field: "referent", maxLength: 64) }
            )
            let (code, secret) = accounts.newActivation()
            let record = try await store.registerUser(actor: context.sessionActor(session), new, activation: secret, now: accounts.now())
            return RegistrationWithActivation(registration: accounts.registration(record), activationCode: code, activationExpiresAt: secret.expiresAt)
        }
        router.register(ProfilesAPI.changeProfile, on: [.api]) { request, context in
            let session = try context.requireSession(holding: .usersManage)
            let record = try await store.changeProfile(
                actor: context.sessionActor(session), targetID: request.registrationId, profile: request.profile,
                line: try request.line.map { try MSISDN($0, field: "line") },
                referent: try request.referent.map { try TextRules.name($0, field: "referent", maxLength: 64) },
                now: accounts.now()
            )
            accounts.cache.invalidatePrincipal(record.id)
            return RegistrationResponse(registration: accounts.registration(record))
        }
        router.register(ProfilesAPI.revokeCredentials, on: [.api]) { request, context in
            let session = try context.requireSession(holding: .usersManage)
            let reason = try request.reason.map { try TextRules.name($0, field: "reason", maxLength: 500) }
            let (record, ended) = try await store.revoke(actor: context.sessionActor(session), targetID: request.registrationId,
                                                         reason: reason, now: accounts.now())
            accounts.cache.invalidatePrincipal(record.id)
            accounts.cache.removeSessions(ofRegistration: record.id)
            accounts.cache.removeSessions(tokenHashes: ended.map(\.tokenHash))
            return RegistrationResponse(registration: accounts.registration(record))
        }
        router.register(ProfilesAPI.restoreCredentials, on: [.api]) { request, context in
            let session = try context.requireSession(holding: .usersManage)
            let (code, secret) = accounts.newActivation()
            let record = try await store.restore(actor: context.sessionActor(session), targetID: request.registrationId,
                                                 activation: secret, now: accounts.now())
            accounts.cache.invalidatePrincipal(record.id)
            return RegistrationWithActivation(registration: accounts.registration(record), activationCode: code, activationExpiresAt: secret.expiresAt)
        }
        router.register(ProfilesAPI.getCompany, on: [.api]) { _, context in
            let session = try context.requireSession(holding: .companyView)
            guard let company = try await store.company(id: session.principal.companyID) else {
                throw StoreError(.notFound, "your company no longer exists")
            }
            return CompanyResponse(company: AccountsService.company(company))
        }
    }
}

import Foundation
import WebProfilesAPI
import WebProfilesDomain
import WebProfilesStore
import WebProfilesTransport
import WebProfilesWire

/// `webprofiles.v1.Operator`: customer service, on the operator socket only.
struct OperatorService {
    let accounts: AccountsService
    let connections: ConnectionRegistry
    let control: DaemonControl
    let startedAt: ContinuousClock.Instant

    func register(in router: inout Router) {
        let accounts = self.accounts
        let store = accounts.store
        let connections = self.connections
        let control = self.control
        let startedAt = self.startedAt
        router.register(OperatorAPI.createCompany, on: [.operator]) { request, context in
            let name = try TextRules.name(request.name, field: "name", maxLength: 200)
            let vat = try VATNumber(request.vatNumber)
            let rep = try Self.legalRepresentative(request.legalRepresentative)
            let (code, secret) = accounts.newActivation()
            let (company, registration) = try await store.createCompany(name: name, vatNumber: vat, legalRepresentative: rep, activation: secret,
                                                                        actor: context.operatorActor, now: accounts.now())
            return CompanyWithActivation(company: AccountsService.company(company), registration: accounts.registration(registration),
                                         activationCode: code, activationExpiresAt: secret.expiresAt)
        }
        router.register(OperatorAPI.changeLegalRepresentative, on: [.operator]) { request, context in
            let rep = try Self.legalRepresentative(request.legalRepresentative)
            let reason = try TextRules.name(request.reason, field: "reason", maxLength: 500)
            let (code, secret) = accounts.newActivation()
            let result = try await store.changeLegalRepresentative(companyID: request.companyId, legalRepresentative: rep, reason: reason,
                                                                   activation: secret, actor: context.operatorActor, now: accounts.now())
            if let previous = result.previous {
                accounts.cache.invalidatePrincipal(previous.id)
                accounts.cache.removeSessions(ofRegistration: previous.id)
            }
            accounts.cache.removeSessions(tokenHashes: result.endedSessions.map(\.tokenHash))
            return CompanyWithActivation(company: AccountsService.company(result.company), registration: accounts.registration(result.registration),
                                         activationCode: code, activationExpiresAt: secret.expiresAt)
        }
        router.register(OperatorAPI.addLines, on: [.operator]) { request, context in
            guard !request.lines.isEmpty, request.lines.count <= 1000 else {
                throw RPCError.invalidArgument(field: "lines", "must hold 1 to 1000 lines")
            }
            var numbers: [MSISDN] = []
            for (index, line) in request.lines.enumerated() {
                let number = try MSISDN(line.msisdn, field: "lines[\(index)].msisdn")
                guard number.kind == line.kind else {
                    throw RPCError.invalidArgument(field: "lines[\(index)].kind", "\(number.value) is a \(number.kind) number, not \(line.kind)")
                }
                guard !numbers.contains(number) else {
                    throw RPCError.invalidArgument(field: "lines[\(index)].msisdn", "\(number.value) is listed twice")
                }
                numbers.append(number)
            }
            let company = try await store.addLines(companyID: request.companyId, lines: numbers, actor: context.operatorActor, now: accounts.now())
            accounts.cache.invalidateLines(companyID: request.companyId)
            return CompanyResponse(company: AccountsService.company(company))
        }
        router.register(OperatorAPI.removeLine, on: [.operator]) { request, context in
            let number = try MSISDN(request.msisdn)
            let company = try await store.removeLine(companyID: request.companyId, msisdn: number, actor: context.operatorActor, now: accounts.now())
            accounts.cache.invalidateLines(companyID: request.companyId)
            return CompanyResponse(company: AccountsService.company(company))
        }
        router.register(OperatorAPI.listCompanies, on: [.operator]) { request, _ in
            let page = try await store.listCompanies(pageSize: try Paging.size(request.pageSize), after: try Paging.key(from: request.pageToken))
            return ListCompaniesResponse(companies: page.items.map(AccountsService.company), nextPageToken: Paging.token(for: page.nextAfter))
        }
        router.register(OperatorAPI.getCompany, on: [.operator]) { request, _ in
            guard let company = try await store.company(id: request.companyId) else {
                throw StoreError(.notFound, "no company \(request.companyId.prefix(64))", field: "companyId")
            }
            return CompanyResponse(company: AccountsService.company(company))
        }
        router.register(OperatorAPI.unlockRegistration, on: [.operator]) { request, context in
            let record = try await store.unlock(registrationID: request.registrationId, actor: context.operatorActor, now: accounts.now())
            accounts.cache.invalidatePrincipal(record.id)
            return RegistrationResponse(registration: accounts.registration(record))
        }
        router.register(OperatorAPI.listAuditEvents, on: [.operator]) { request, _ in
            var afterID: Int64?
            if let key = try Paging.key(from: request.pageToken) {
                guard let id = Int64(key) else { throw RPCError.invalidArgument(field: "pageToken", "is not a token this server issued") }
                afterID = id
            }
            let page = try await store.listAuditEvents(companyID: request.companyId, registrationID: request.registrationId, since: request.since,
                                                       pageSize: try Paging.size(request.pageSize), afterID: afterID)
            return ListAuditEventsResponse(events: page.items.map(Self.event), nextPageToken: Paging.token(for: page.nextAfter))
        }
        router.register(OperatorAPI.stats, on: [.operator]) { _, _ in
            let counts = try await store.counts()
            return StatsResponse(companies: counts.companies, registrations: counts.registrations, activeRegistrations: counts.activeRegistrations,
                                 liveSessions: counts.sessions, cachedSessions: accounts.cachedSessionCount, connections: connections.count,
                                 uptimeSeconds: (ContinuousClock.now - startedAt).timeInterval, version: webProfilesVersion)
        }
        router.register(OperatorAPI.reload, on: [.operator]) { _, _ in
            ReloadResponse(restartRequired: try await control.ask(.reload))
        }
    }

    static func legalRepresentative(_ r: LegalRepresentativeRequest) throws -> LegalRepresentativeInput {
        LegalRepresentativeInput(
            fullName: try TextRules.name(r.fullName, field: "legalRepresentative.fullName"),
            fiscalCode: try FiscalCode(r.fiscalCode, field: "legalRepresentative.fiscalCode"),
            email: try TextRules.email(r.email, field: "legalRepresentative.email"),
            username: try Username(r.username, field: "legalRepresentative.username")
        )
    }

    static func event(_ e: AuditEventRecord) -> AuditEvent {
        func fields(_ json: String?) -> [String: String]? {
            json.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }
        }
        return AuditEvent(eventId: e.id ?? 0, at: e.at, action: e.action.rawValue, actor: e.actor, companyId: e.companyId,
                          targetRegistrationId: e.targetRegistrationId, before: fields(e.before), after: fields(e.after))
    }
}

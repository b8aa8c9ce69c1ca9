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
    let metrics: DaemonMetrics

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
                                                                        actor: try context.operatorWriter(), now: accounts.now())
            return CompanyWithActivation(company: AccountsService.company(company), registration: accounts.registration(registration),
                                         activationCode: code, activationExpiresAt: secret.expiresAt)
        }
        router.register(OperatorAPI.changeLegalRepresentative, on: [.operator]) { request, context in
            let rep = try Self.legalRepresentative(request.legalRepresentative)
            let reason = try Self.reason(request.reason)
            let (code, secret) = accounts.newActivation()
            let result = try await store.changeLegalRepresentative(companyID: request.companyId, legalRepresentative: rep, reason: reason,
                                                                   activation: secret, actor: try context.operatorWriter(), now: accounts.now())
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
            let company = try await store.addLines(companyID: request.companyId, lines: numbers, actor: try context.operatorWriter(), now: accounts.now())
            return CompanyResponse(company: AccountsService.company(company))
        }
        router.register(OperatorAPI.removeLine, on: [.operator]) { request, context in
            let number = try MSISDN(request.msisdn)
            let company = try await store.removeLine(companyID: request.companyId, msisdn: number, actor: try context.operatorWriter(), now: accounts.now())
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
            let record = try await store.unlock(registrationID: request.registrationId, actor: try context.operatorWriter(), now: accounts.now())
            return RegistrationResponse(registration: accounts.registration(record))
        }
        router.register(OperatorAPI.listAuditEvents, on: [.operator]) { request, _ in
            let filter = AuditFilter(companyID: request.companyId, registrationID: request.registrationId,
                                     action: try ProfilesService.action(request.action), since: request.since, until: request.until)
            let page = try await store.listAuditEvents(filter, pageSize: try Paging.size(request.pageSize), afterID: try Paging.eventID(from: request.pageToken))
            return ListAuditEventsResponse(events: page.items.map(Self.event), nextPageToken: Paging.token(for: page.nextAfter))
        }
        router.register(OperatorAPI.findCompanies, on: [.operator]) { request, _ in
            guard (request.vatNumber == nil) != (request.name == nil) else {
                throw RPCError.invalidArgument(field: "vatNumber", "give exactly one of vatNumber and name")
            }
            let vat = try request.vatNumber.map { try VATNumber($0) }
            let name = try request.name.map { try TextRules.name($0, field: "name", maxLength: 200) }
            let page = try await store.findCompanies(vatNumber: vat, name: name, pageSize: try Paging.size(request.pageSize),
                                                     after: try Paging.key(from: request.pageToken))
            return ListCompaniesResponse(companies: page.items.map(AccountsService.company), nextPageToken: Paging.token(for: page.nextAfter))
        }
        router.register(OperatorAPI.findRegistrations, on: [.operator]) { request, _ in
            let given = [request.username, request.email, request.fiscalCode].compactMap { $0 }.count
            guard given == 1 else {
                throw RPCError.invalidArgument(field: "username", "give exactly one of username, email and fiscalCode")
            }
            let lookup: RegistrationLookup
            if let username = request.username {
                lookup = .username(try Username(username))
            } else if let email = request.email {
                lookup = .email(try TextRules.email(email))
            } else {
                lookup = .fiscalCode(try FiscalCode(request.fiscalCode ?? "", field: "fiscalCode"))
            }
            let found = try await store.findRegistrations(lookup, limit: Paging.maxSize)
            return FindRegistrationsResponse(registrations: found.map(accounts.registration))
        }
        router.register(OperatorAPI.listRegistrations, on: [.operator]) { request, _ in
            guard try await store.company(id: request.companyId) != nil else {
                throw StoreError(.notFound, "no company \(request.companyId.prefix(64))", field: "companyId")
            }
            let page = try await store.listRegistrations(
                companyID: request.companyId,
                filter: RegistrationFilter(profile: request.profile, status: request.status, query: try ProfilesService.query(request.query)),
                pageSize: try Paging.size(request.pageSize), after: try Paging.key(from: request.pageToken)
            )
            return ListRegistrationsResponse(registrations: page.items.map(accounts.registration), nextPageToken: Paging.token(for: page.nextAfter))
        }
        router.register(OperatorAPI.getRegistration, on: [.operator]) { request, _ in
            guard let record = try await store.registration(id: request.registrationId) else {
                throw StoreError(.notFound, "no registration \(request.registrationId.prefix(64))", field: "registrationId")
            }
            return RegistrationResponse(registration: accounts.registration(record))
        }
        router.register(OperatorAPI.updateLegalRepresentative, on: [.operator]) { request, context in
            guard request.fullName != nil || request.email != nil || request.fiscalCode != nil else {
                throw RPCError.invalidArgument(field: "fullName", "give at least one of fullName, email and fiscalCode")
            }
            let company = try await store.updateLegalRepresentative(
                companyID: request.companyId,
                fullName: try request.fullName.map { try TextRules.name($0, field: "fullName") },
                email: try request.email.map { try TextRules.email($0) },
                fiscalCode: try request.fiscalCode.map { try FiscalCode($0, field: "fiscalCode") },
                reason: try Self.reason(request.reason), actor: try context.operatorWriter(), now: accounts.now())
            return CompanyResponse(company: AccountsService.company(company))
        }
        router.register(OperatorAPI.setReferentTypes, on: [.operator]) { request, context in
            guard request.referentTypes.count <= 50 else {
                throw RPCError.invalidArgument(field: "referentTypes", "must hold at most 50 entries")
            }
            var types: [String] = []
            for (index, type) in request.referentTypes.enumerated() {
                let name = try TextRules.name(type, field: "referentTypes[\(index)]", maxLength: 64)
                guard !types.contains(where: { SearchText.fold($0) == SearchText.fold(name) }) else {
                    throw RPCError.invalidArgument(field: "referentTypes[\(index)]", "\(name) is listed twice")
                }
                types.append(name)
            }
            let company = try await store.setReferentTypes(companyID: request.companyId, referentTypes: types, actor: try context.operatorWriter(),
                                                           now: accounts.now())
            return CompanyResponse(company: AccountsService.company(company))
        }
        router.register(OperatorAPI.resetCredentials, on: [.operator]) { request, context in
            let reason = try Self.reason(request.reason)
            let (code, secret) = accounts.newRecoveryCode()
            let (record, recipient, ended) = try await store.resetCredentials(registrationID: request.registrationId, reason: reason, code: secret,
                                                                              actor: try context.operatorWriter(), now: accounts.now())
            return CredentialsResetResponse(registration: accounts.registration(record), delivery: AccountsService.delivery(recipient, code: code),
                                            sessionsEnded: ended.count)
        }
        router.register(OperatorAPI.reissueActivation, on: [.operator]) { request, context in
            let reason = try request.reason.map(Self.reason)
            let (code, secret) = accounts.newActivation()
            let record = try await store.reissueActivation(registrationID: request.registrationId, reason: reason, activation: secret,
                                                           actor: try context.operatorWriter(), now: accounts.now())
            return RegistrationWithActivation(registration: accounts.registration(record), activationCode: code, activationExpiresAt: secret.expiresAt)
        }
        router.register(OperatorAPI.resetSecondFactor, on: [.operator]) { request, context in
            let (record, _) = try await store.resetSecondFactor(registrationID: request.registrationId, reason: try Self.reason(request.reason),
                                                                actor: try context.operatorWriter(), now: accounts.now())
            return RegistrationResponse(registration: accounts.registration(record))
        }
        router.register(OperatorAPI.listUserSessions, on: [.operator]) { request, _ in
            let (_, sessions) = try await store.userSessions(registrationID: request.registrationId)
            return ListSessionsResponse(sessions: accounts.sessionInfos(sessions, current: nil, showCompany: true))
        }
        router.register(OperatorAPI.endUserSessions, on: [.operator]) { request, context in
            let (_, ended) = try await store.endUserSessions(registrationID: request.registrationId, actor: try context.operatorWriter(),
                                                             reason: try Self.reason(request.reason), now: accounts.now())
            return SessionsEndedResponse(sessionsEnded: ended.count)
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
        let metrics = self.metrics
        router.register(OperatorAPI.metrics, on: [.operator]) { _, _ in
            // The live sessions are the database's; without it, the rest is still worth a scrape.
            let live = try? await store.liveSessionCount(now: accounts.now(), lifetime: accounts.configuration.sessionLifetimeRule)
            let snapshot = DaemonMetrics.Snapshot(
                liveSessions: live, cachedSessions: accounts.cachedSessionCount, hashingQueueDepth: accounts.hasher.queueDepth,
                connections: Dictionary(uniqueKeysWithValues: ListenerKind.allCases.map { ($0, connections.count(of: $0)) }),
                storageHealthy: store.health.state == .ok)
            return MetricsResponse(text: metrics.exposition(snapshot), contentType: DaemonMetrics.contentType)
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

    /// A desk action's reason, validated.
    static func reason(_ text: String) throws -> String {
        try TextRules.name(text, field: "reason", maxLength: 500)
    }

    static func event(_ e: AuditEventRecord) -> AuditEvent {
        func fields(_ json: String?) -> [String: String]? {
            json.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }
        }
        return AuditEvent(eventId: e.id ?? 0, at: e.at, action: e.action.rawValue, actor: e.actor, agent: e.agent, ticket: e.ticket,
                          companyId: e.companyId, targetRegistrationId: e.targetRegistrationId, targetAccountId: e.targetAccountId,
                          before: fields(e.before), after: fields(e.after))
    }
}

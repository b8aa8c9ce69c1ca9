import Foundation
import Testing
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain
import WebProfilesWire

/// Recovery, the desk, editing, session control and the company's audit trail, against the
/// real daemon binary: every method, its success and its refusals.
@Suite("Gestione utenze: recovery, desk, editing, sessions, audit (end to end)", .serialized)
struct GestioneUtenzeDeskTests {
    func error(_ body: () async throws -> some Any) async -> RPCError? {
        do { _ = try await body(); return nil } catch let error as RPCError { return error } catch { return RPCError(code: .unknown, message: "\(error)") }
    }

    @Test func recoveryByThePersonIsSingleUseAndLooksTheSameForEveryone() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        let (_, anna) = try await f.person(daemon, "anna.bianchi", .adminLight)
        let api = daemon.apiClient()
        // A known active account gets a delivery; unknown, invalid and pending ones get nothing.
        let delivery = try #require(try await api.requestRecovery(username: "anna.bianchi"))
        #expect(delivery.email == "anna.bianchi@rossi.example" && delivery.recoveryCode.hasPrefix("wpr_"))
        #expect(try await api.requestRecovery(username: "nobody.here") == nil)
        #expect(try await api.requestRecovery(username: String(repeating: "x", count: 5000)) == nil)
        _ = try await f.rep.registerUser(RegisterUserRequest(username: "pending.one", displayName: "P", email: "p@rossi.example", profile: .adminLight))
        #expect(try await api.requestRecovery(username: "pending.one") == nil)
        // The policy applies to the new password.
        #expect(await error { try await api.completeRecovery(code: delivery.recoveryCode, newPassword: "short") }?.code == .invalidArgument)
        #expect(await error { try await api.completeRecovery(code: delivery.recoveryCode, newPassword: "Password2026!") }?.code == .invalidArgument)
        try await api.completeRecovery(code: delivery.recoveryCode, newPassword: "Fresh-Kite-Orchard-8")
        // Single use; every session of the person ended; the new password works.
        #expect(await error { try await api.completeRecovery(code: delivery.recoveryCode, newPassword: "Other-Kite-Orchard-8") }?.code == .unauthenticated)
        #expect(await error { try await anna.whoami() }?.code == .unauthenticated)
        _ = try await api.login(username: "anna.bianchi", password: "Fresh-Kite-Orchard-8")
        #expect(await error { try await api.completeRecovery(code: "wpr_not-a-real-code-at-all", newPassword: "Other-Kite-Orchard-8") }?.code == .unauthenticated)
        // At most three live codes: the oldest die.
        var codes: [String] = []
        for _ in 0..<4 { codes.append(try #require(try await api.requestRecovery(username: "anna.bianchi")).recoveryCode) }
        #expect(await error { try await api.completeRecovery(code: codes[0], newPassword: "Other-Kite-Orchard-8") }?.code == .unauthenticated)
        try await api.completeRecovery(code: codes[3], newPassword: "Other-Kite-Orchard-8")
        // A locked account recovers: the lockout is cleared.
        for _ in 0..<5 { _ = await error { try await api.login(username: "anna.bianchi", password: "wrong-password-xx") } }
        #expect(await error { try await api.login(username: "anna.bianchi", password: "Other-Kite-Orchard-8") }?.code == .unauthenticated)
        try await api.completeRecovery(code: try #require(try await api.requestRecovery(username: "anna.bianchi")).recoveryCode, newPassword: "Third-Kite-Orchard-8")
        _ = try await api.login(username: "anna.bianchi", password: "Third-Kite-Orchard-8")
        let events = try await daemon.operatorClient().listAuditEvents(ListAuditEventsRequest(companyId: f.companyID, action: "passwordChanged", pageSize: 500)).events
        #expect(events.count == 3 && events.allSatisfy { $0.after?["via"] == "recovery" })
    }

    @Test func requestRecoveryTakesTheSameTimeForKnownAndUnknownUsernames() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        _ = try await f.person(daemon, "anna.bianchi", .adminLight)
        let api = daemon.apiClient()
        func median(_ username: String) async throws -> Double {
            var times: [Double] = []
            for _ in 0..<40 {
                let start = ContinuousClock.now
                _ = try await api.requestRecovery(username: username)
                times.append((ContinuousClock.now - start).timeInterval * 1000)
            }
            return times.sorted()[times.count / 2]
        }
        _ = try await median("warm.up")
        let known = try await median("anna.bianchi")
        let unknown = try await median("nobody.here")
        // A figure, not an assertion on time: the machine's noise is not the daemon's.
        print("RequestRecovery median over 40 calls: active account \(String(format: "%.3f", known)) ms, unknown username \(String(format: "%.3f", unknown)) ms")
        #expect(known > 0 && unknown > 0)
    }

    @Test func managersResetAndReissueOnlyForThoseTheyManage() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        let (fullID, full) = try await f.person(daemon, "full.admin", .adminFull)
        let (userID, user) = try await f.person(daemon, "user.one", .user, line: "+393331234567")
        let other = try await Fixture.make(daemon, vat: "12345678903", rep: "luigi.bianchi", lines: [])
        // Reset: the old password stops, the sessions end, the delivery comes back to send.
        let reset = try await full.resetCredentials(userID)
        #expect(reset.delivery.email == "user.one@rossi.example" && reset.sessionsEnded == 1 && reset.registration.status == .active)
        #expect(await error { try await user.whoami() }?.code == .unauthenticated)
        #expect(await error { try await daemon.apiClient().login(username: "user.one", password: Fixture.password) }?.code == .unauthenticated)
        try await daemon.apiClient().completeRecovery(code: reset.delivery.recoveryCode, newPassword: "New-Lantern-Forest-2")
        _ = try await daemon.apiClient().login(username: "user.one", password: "New-Lantern-Forest-2")
        // Refusals: not outranking, another company, themselves, pending, revoked.
        #expect(await error { try await full.resetCredentials(f.repID) }?.code == .permissionDenied)
        #expect(await error { try await other.rep.resetCredentials(userID) }?.code == .notFound)
        #expect(await error { try await full.resetCredentials(fullID) }?.code == .permissionDenied)
        let pending = try await f.rep.registerUser(RegisterUserRequest(username: "pending.two", displayName: "P", email: "p2@rossi.example", profile: .adminLight))
        #expect(await error { try await f.rep.resetCredentials(pending.registration.registrationId) }?.code == .failedPrecondition)
        _ = try await f.rep.revokeCredentials(userID)
        #expect(await error { try await f.rep.resetCredentials(userID) }?.code == .failedPrecondition)
        // Reissue: the old code dies, the new one activates; only pending registrations.
        let reissued = try await full.reissueActivation(pending.registration.registrationId)
        #expect(await error { try await daemon.apiClient().activate(code: pending.activationCode, password: "New-Lantern-Forest-2") }?.code == .unauthenticated)
        _ = try await daemon.apiClient().activate(code: reissued.activationCode, password: "New-Lantern-Forest-2")
        #expect(await error { try await full.reissueActivation(pending.registration.registrationId) }?.code == .failedPrecondition)
        #expect(await error { try await other.rep.reissueActivation(pending.registration.registrationId) }?.code == .notFound)
    }

    @Test func theDeskFindsEveryoneAndAccountsForEveryWrite() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        _ = try await f.person(daemon, "anna.bianchi", .adminLight)
        let op = daemon.operatorClient(agent: "desk.giulia")
        op.setMetadata("CS-77", for: "operator-ticket")
        #expect(try await op.findCompanies(FindCompaniesRequest(vatNumber: "01234567897")).companies.map(\.companyId) == [f.companyID])
        #expect(try await op.findCompanies(FindCompaniesRequest(name: "rossi s.r.l")).companies.map(\.companyId) == [f.companyID])
        #expect(await error { try await op.findCompanies(FindCompaniesRequest()) }?.code == .invalidArgument)
        #expect(await error { try await op.findCompanies(FindCompaniesRequest(vatNumber: "01234567897", name: "x")) }?.code == .invalidArgument)
        #expect(try await op.findRegistrations(FindRegistrationsRequest(username: "ANNA.BIANCHI")).map(\.username) == ["anna.bianchi"])
        #expect(try await op.findRegistrations(FindRegistrationsRequest(email: "anna.bianchi@ROSSI.example")).map(\.username) == ["anna.bianchi"])
        #expect(try await op.findRegistrations(FindRegistrationsRequest(fiscalCode: "rssmra80a01h501u")).map(\.registrationId) == [f.repID])
        #expect(await error { try await op.findRegistrations(FindRegistrationsRequest(fiscalCode: "NOTAFISCALCODE")) }?.code == .invalidArgument)
        let listed = try await op.listRegistrations(OperatorListRegistrationsRequest(companyId: f.companyID, profile: .adminLight))
        #expect(listed.registrations.map(\.username) == ["anna.bianchi"])
        #expect(await error { try await op.listRegistrations(OperatorListRegistrationsRequest(companyId: "nope")) }?.code == .notFound)
        #expect(try await op.registration(id: f.repID).profile == .legalRepresentative)
        // The legal representative: corrected in place, reset by the desk only.
        let updated = try await op.updateLegalRepresentative(UpdateLegalRepresentativeRequest(companyId: f.companyID, email: "m.rossi@rossi.example", reason: "new address"))
        #expect(updated.legalRepresentative.email == "m.rossi@rossi.example" && updated.legalRepresentative.registrationId == f.repID)
        _ = try await f.rep.whoami()
        #expect(await error { try await op.updateLegalRepresentative(UpdateLegalRepresentativeRequest(companyId: f.companyID, reason: "nothing")) }?.code == .invalidArgument)
        let reset = try await op.resetCredentials(registrationID: f.repID, reason: "forgot it")
        #expect(reset.delivery.email == "m.rossi@rossi.example")
        #expect(await error { try await f.rep.whoami() }?.code == .unauthenticated)
        // Sessions seen and ended by the desk.
        try await daemon.apiClient().completeRecovery(code: reset.delivery.recoveryCode, newPassword: "Desk-Given-Lantern-3")
        let again = daemon.apiClient()
        again.setMetadata("203.0.113.9", for: "client-ip")
        again.setMetadata("Firefox/140", for: "user-agent")
        _ = try await again.login(username: "mario.rossi", password: "Desk-Given-Lantern-3")
        let sessions = try await op.userSessions(registrationID: f.repID)
        #expect(sessions.count == 1 && sessions[0].clientAddress == "203.0.113.9" && sessions[0].userAgent == "Firefox/140")
        #expect(try await op.endUserSessions(registrationID: f.repID, reason: "phone stolen") == 1)
        #expect(await error { try await again.whoami() }?.code == .unauthenticated)
        // Every write without an agent is refused, and changes nothing.
        let anonymous = daemon.operatorClient(agent: nil)
        #expect(await error { try await anonymous.resetCredentials(registrationID: f.repID, reason: "x") }?.code == .invalidArgument)
        #expect(await error { try await anonymous.addLines(companyID: f.companyID, lines: [Line(msisdn: "+393330001111", kind: .mobile)]) }?.code == .invalidArgument)
        #expect(!(try await op.company(id: f.companyID)).lines.contains { $0.msisdn == "+393330001111" })
        // Reads need no agent.
        _ = try await anonymous.stats()
        // Every desk write carries the agent and the ticket.
        let events = try await op.listAuditEvents(ListAuditEventsRequest(companyId: f.companyID, pageSize: 500)).events
        for action in ["legalRepresentativeUpdated", "credentialsReset", "sessionRevoked"] {
            let event = events.last { $0.action == action && $0.actor.hasPrefix("operator:") }
            #expect(event?.agent == "desk.giulia" && event?.ticket == "CS-77", "\(action)")
        }
    }

    @Test func editingByManagersAndByThePerson() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        let (annaID, anna) = try await f.person(daemon, "anna.bianchi", .adminLight)
        let (_, full) = try await f.person(daemon, "full.admin", .adminFull)
        let edited = try await full.updateRegistration(UpdateRegistrationRequest(registrationId: annaID, displayName: "Anna Maria Bianchi"))
        #expect(edited.displayName == "Anna Maria Bianchi")
        #expect(await error { try await full.updateRegistration(UpdateRegistrationRequest(registrationId: f.repID, displayName: "X")) }?.code == .permissionDenied)
        #expect(await error { try await full.updateRegistration(UpdateRegistrationRequest(registrationId: annaID)) }?.code == .invalidArgument)
        #expect(await error { try await full.updateRegistration(UpdateRegistrationRequest(registrationId: annaID, email: "not-an-email")) }?.code == .invalidArgument)
        // The person: a name freely, an email only with the current password.
        #expect(try await anna.updateMyDetails(UpdateMyDetailsRequest(displayName: "Anna B.")).displayName == "Anna B.")
        #expect(await error { try await anna.updateMyDetails(UpdateMyDetailsRequest(email: "anna@new.example")) }?.code == .invalidArgument)
        #expect(await error { try await anna.updateMyDetails(UpdateMyDetailsRequest(email: "anna@new.example", currentPassword: "wrong-password-x")) }?.code == .invalidArgument)
        let account = try await anna.updateMyDetails(UpdateMyDetailsRequest(email: "anna@new.example", currentPassword: Fixture.password))
        #expect(account.email == "anna@new.example")
        #expect(try await f.rep.registration(annaID).email == "anna@new.example")
        let events = try await f.rep.companyAuditEvents(ListCompanyAuditEventsRequest(registrationId: annaID, action: "detailsChanged")).events
        #expect(events.count == 3 && events.last?.before?["email"] == "anna.bianchi@rossi.example" && events.last?.after?["email"] == "anna@new.example")
    }

    @Test func sessionControlAndWhereSessionsCameFrom() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        let (userID, _) = try await f.person(daemon, "user.one", .user, line: "+393331234567")
        var clients: [WebProfilesClient] = []
        for i in 0..<3 {
            let c = daemon.apiClient()
            c.setMetadata("2001:db8::\(i + 1)", for: "client-ip")
            c.setMetadata("Browser \(i)", for: "user-agent")
            _ = try await c.login(username: "user.one", password: Fixture.password)
            clients.append(c)
        }
        let listed = try await clients[0].listSessions()
        #expect(listed.count == 4 && listed.filter(\.current).count == 1)
        #expect(Set(listed.compactMap(\.clientAddress)) == ["2001:db8::1", "2001:db8::2", "2001:db8::3"])
        // The manager sees them (without the person's company choice) and ends them, keeping the credentials.
        let managed = try await f.rep.userSessions(userID)
        #expect(managed.count == 4 && managed.allSatisfy { $0.selectedCompanyId == nil && !$0.current })
        // The person signs out everywhere else.
        #expect(try await clients[0].revokeOtherSessions() == 3)
        #expect(await error { try await clients[1].whoami() }?.code == .unauthenticated)
        _ = try await clients[0].whoami()
        #expect(try await f.rep.endUserSessions(userID) == 1)
        #expect(await error { try await clients[0].whoami() }?.code == .unauthenticated)
        _ = try await daemon.apiClient().login(username: "user.one", password: Fixture.password)
        // A user cannot look at anyone's sessions.
        let (_, other) = try await f.person(daemon, "user.two", .user, line: "+393339876543")
        #expect(await error { try await other.userSessions(userID) }?.code == .permissionDenied)
        // The login's audit event names the address and the browser; bad metadata is refused.
        let logins = try await f.rep.companyAuditEvents(ListCompanyAuditEventsRequest(registrationId: userID, action: "login")).events
        #expect(logins.contains { $0.after?["clientAddress"] == "2001:db8::2" && $0.after?["userAgent"] == "Browser 1" })
        let bad = daemon.apiClient()
        bad.setMetadata("not-an-address", for: "client-ip")
        #expect(await error { try await bad.login(username: "user.one", password: Fixture.password) }?.code == .invalidArgument)
        bad.setMetadata(nil, for: "client-ip")
        bad.setMetadata("evil\u{202E}agent", for: "user-agent")
        #expect(await error { try await bad.login(username: "user.one", password: Fixture.password) }?.code == .invalidArgument)
        bad.setMetadata(String(repeating: "a", count: 300), for: "user-agent")
        #expect(await error { try await bad.login(username: "user.one", password: Fixture.password) }?.code == .invalidArgument)
    }

    @Test func theCompanysAuditTrailIsItsOwnAndForItsAdministrators() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        let (annaID, anna) = try await f.person(daemon, "anna.bianchi", .adminLight)
        let (_, full) = try await f.person(daemon, "full.admin", .adminFull)
        let other = try await Fixture.make(daemon, vat: "12345678903", rep: "luigi.bianchi", lines: [])
        _ = try await full.changeProfile(ChangeProfileRequest(registrationId: annaID, profile: .user, line: "+393331234567"))
        // "Who gave Anna the invoices?": the legal representative and an adminFull can see it.
        let changes = try await f.rep.companyAuditEvents(ListCompanyAuditEventsRequest(registrationId: annaID, action: "profileChanged")).events
        #expect(changes.count == 1 && changes[0].before?["profile"] == "adminLight" && changes[0].after?["profile"] == "user")
        _ = try await full.companyAuditEvents()
        #expect(await error { try await anna.companyAuditEvents() }?.code == .permissionDenied)
        // Scoped to the company: the other company's trail holds none of this.
        let theirs = try await other.rep.companyAuditEvents(ListCompanyAuditEventsRequest(registrationId: annaID)).events
        #expect(theirs.isEmpty)
        // Paging and filters.
        var all: [AuditEvent] = []
        var token: String?
        repeat {
            let page = try await f.rep.companyAuditEvents(ListCompanyAuditEventsRequest(pageSize: 2, pageToken: token))
            all += page.events
            token = page.nextPageToken
        } while token != nil
        #expect(all.count > 4 && all.map(\.eventId) == all.map(\.eventId).sorted())
        let future = try await f.rep.companyAuditEvents(ListCompanyAuditEventsRequest(since: Date().addingTimeInterval(3600))).events
        #expect(future.isEmpty)
        #expect(await error { try await f.rep.companyAuditEvents(ListCompanyAuditEventsRequest(action: "bogus")) }?.code == .invalidArgument)
        #expect(await error { try await f.rep.companyAuditEvents(ListCompanyAuditEventsRequest(pageToken: "!!")) }?.code == .invalidArgument)
    }

    @Test func referentTypesPerContractAndTheSearchFoldsAccents() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        let op = daemon.operatorClient()
        let company = try await op.setReferentTypes(companyID: f.companyID, ["Referente Tecnico", "Referente Amministrativo"])
        #expect(company.referentTypes == ["Referente Tecnico", "Referente Amministrativo"])
        #expect(await error { try await f.rep.registerUser(RegisterUserRequest(username: "light.one", displayName: "L", email: "l@rossi.example", profile: .adminLight, referent: "Capo")) }?.code == .invalidArgument)
        let listed = try await f.rep.registerUser(RegisterUserRequest(username: "light.one", displayName: "Élise Dupré", email: "l@rossi.example", profile: .adminLight, referent: "referente TECNICO"))
        #expect(listed.registration.referent == "Referente Tecnico")
        #expect(await error { try await op.setReferentTypes(companyID: f.companyID, ["A", "a"]) }?.code == .invalidArgument)
        #expect(await error { try await op.setReferentTypes(companyID: f.companyID, Array(repeating: "x", count: 51)) }?.code == .invalidArgument)
        #expect(try await f.rep.company().referentTypes?.count == 2)
        for query in ["élise", "ELISE", "Élise", "dupre"] {
            #expect(try await f.rep.listRegistrations(ListRegistrationsRequest(query: query)).registrations.map(\.username) == ["light.one"], "\(query)")
        }
        // GetRegistration and GetCompany, success and another company's.
        #expect(try await f.rep.registration(listed.registration.registrationId).displayName == "Élise Dupré")
        let other = try await Fixture.make(daemon, vat: "12345678903", rep: "luigi.bianchi", lines: [])
        #expect(await error { try await other.rep.registration(listed.registration.registrationId) }?.code == .notFound)
        #expect(try await other.rep.company().companyId == other.companyID)
    }
}

import Foundation
import Testing
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain
import WebProfilesWire

/// The session, lockout and activation rules, in process on a manual clock: no sleeps.
@Suite("Accounts (in process)")
struct AccountsTests {
    func status(_ body: () async throws -> Void) async -> StatusCode? {
        do { try await body(); return nil } catch let error as RPCError { return error.code } catch { return .unknown }
    }

    func login(_ daemon: InProcessDaemon, _ username: String = "mario.rossi", _ password: String = InProcessDaemon.password) async throws -> LoginResponse {
        try await daemon.apiClient().login(username: username, password: password)
    }

    @Test func everyLoginFailureLooksTheSame() async throws {
        let daemon = try await InProcessDaemon()
        let (token, _) = try await daemon.company()
        let rep = daemon.apiClient(token: token)
        let pending = try await rep.registerUser(RegisterUserRequest(username: "pending.user", displayName: "P", email: "p@rossi.example", profile: .adminLight))
        let revoked = try await rep.registerUser(RegisterUserRequest(username: "revoked.user", displayName: "R", email: "r@rossi.example", profile: .adminLight))
        _ = try await daemon.apiClient().activate(code: revoked.activationCode, password: InProcessDaemon.password)
        _ = try await rep.revokeCredentials(revoked.registration.registrationId)
        var failures: [RPCError] = []
        for (username, password) in [("nobody.here", InProcessDaemon.password), ("mario.rossi", "wrong-password-1"),
                                     (pending.registration.username, InProcessDaemon.password), ("revoked.user", InProcessDaemon.password),
                                     ("mario.rossi", String(repeating: "x", count: 300)), ("", ""), (String(repeating: "a", count: 5000), "x")] {
            do {
                _ = try await login(daemon, username, password)
                Issue.record("\(username.prefix(20)) logged in")
            } catch let error as RPCError {
                failures.append(error)
            }
        }
        #expect(failures.count == 7 && failures.allSatisfy { $0.code == .unauthenticated && $0.message == "invalid username or password" })
        try await daemon.stop()
    }

    @Test func lockoutCountsEndsByItselfAndIsUnlockedByTheDesk() async throws {
        let daemon = try await InProcessDaemon(settings: "[lockout]\nthreshold = 5\nduration = 120\n")
        let (_, _) = try await daemon.company()
        let repID = try #require(try await login(daemon).principal).registrationId
        for _ in 0..<5 { #expect(await status { _ = try await login(daemon, "mario.rossi", "not-the-password") } == .unauthenticated) }
        // Locked: even the right password fails, with the same answer.
        #expect(await status { _ = try await login(daemon) } == .unauthenticated)
        // The desk unlocks.
        let op = daemon.operatorClient()
        #expect(try await op.unlockRegistration(repID).locked == false)
        _ = try await login(daemon)
        // A lockout also ends by itself, once its duration has passed.
        for _ in 0..<5 { _ = await status { _ = try await login(daemon, "mario.rossi", "nope-nope-nope") } }
        #expect(await status { _ = try await login(daemon) } == .unauthenticated)
        daemon.clock.advance(by: 119)
        #expect(await status { _ = try await login(daemon) } == .unauthenticated)
        daemon.clock.advance(by: 2)
        _ = try await login(daemon)
        let events = try await op.listAuditEvents(ListAuditEventsRequest(registrationId: repID, pageSize: 500)).events
        #expect(events.filter { $0.action == "locked" }.count == 2)
        #expect(events.filter { $0.action == "unlocked" }.count == 1)
        // Ten counted failures, and the three attempts refused during the lockouts (right password).
        #expect(events.filter { $0.action == "loginFailed" && $0.after?["failedAttempts"] != nil }.count == 10)
        #expect(events.filter { $0.action == "loginFailed" && $0.after?["refused"] == "locked" }.count == 3)
        try await daemon.stop()
    }

    @Test func failuresOlderThanALockoutAreForgotten() async throws {
        let daemon = try await InProcessDaemon(settings: "[lockout]\nthreshold = 3\nduration = 60\n")
        _ = try await daemon.company()
        for _ in 0..<2 { _ = await status { _ = try await login(daemon, "mario.rossi", "wrong-password-1") } }
        daemon.clock.advance(by: 61)
        for _ in 0..<2 { _ = await status { _ = try await login(daemon, "mario.rossi", "wrong-password-1") } }
        // Four failures, but never three within a minute of each other: not locked.
        _ = try await login(daemon)
        try await daemon.stop()
    }

    @Test func sessionsEndWhenIdleAndAtTheirLifetime() async throws {
        let daemon = try await InProcessDaemon(settings: "[sessions]\nidle_timeout = 60\nlifetime = 300\n")
        let (token, _) = try await daemon.company()
        let client = daemon.apiClient(token: token)
        // Idle: unused for a minute.
        daemon.clock.advance(by: 59)
        _ = try await client.whoami()
        daemon.clock.advance(by: 60)
        #expect(await status { _ = try await client.whoami() } == .unauthenticated)
        // Lifetime: used every 50 s, it still ends 300 s after the login.
        let fresh = try await login(daemon)
        let used = daemon.apiClient(token: fresh.sessionToken)
        for _ in 0..<5 {
            daemon.clock.advance(by: 50)
            _ = try await used.whoami()
        }
        daemon.clock.advance(by: 50)
        #expect(await status { _ = try await used.whoami() } == .unauthenticated)
        #expect(fresh.idleExpiresAt <= fresh.expiresAt)
        try await daemon.stop()
    }

    @Test func theOldestSessionEndsBeyondTheLimit() async throws {
        let daemon = try await InProcessDaemon(settings: "[sessions]\nmax_per_registration = 2\n")
        let (first, _) = try await daemon.company()
        daemon.clock.advance(by: 1)
        let second = try await login(daemon)
        daemon.clock.advance(by: 1)
        let third = try await login(daemon)
        #expect(await status { _ = try await daemon.apiClient(token: first).whoami() } == .unauthenticated)
        let sessions = try await daemon.apiClient(token: third.sessionToken).listSessions()
        #expect(Set(sessions.map(\.sessionId)) == [second.sessionId, third.sessionId])
        #expect(sessions.filter(\.current).map(\.sessionId) == [third.sessionId])
        try await daemon.stop()
    }

    @Test func logoutRevokeSessionAndPasswordChange() async throws {
        let daemon = try await InProcessDaemon()
        let (token, _) = try await daemon.company()
        let rep = daemon.apiClient(token: token)
        let other = try await login(daemon), third = try await login(daemon)
        // Revoke one of my own sessions; someone else's session id is not found.
        try await rep.revokeSession(other.sessionId)
        #expect(await status { _ = try await daemon.apiClient(token: other.sessionToken).whoami() } == .unauthenticated)
        #expect(await status { try await rep.revokeSession("no-such-session") } == .notFound)
        // Changing the password ends the other sessions but not this one; refusals say which field.
        #expect(await status { try await rep.changePassword(current: "wrong-current-1", new: "Juniper-Comet-Rowboat-2026") } == .invalidArgument)
        #expect(await status { try await rep.changePassword(current: InProcessDaemon.password, new: "short") } == .invalidArgument)
        #expect(await status { try await rep.changePassword(current: InProcessDaemon.password, new: "my-mario.rossi-pw") } == .invalidArgument)
        try await rep.changePassword(current: InProcessDaemon.password, new: "Juniper-Comet-Rowboat-2026")
        #expect(await status { _ = try await daemon.apiClient(token: third.sessionToken).whoami() } == .unauthenticated)
        _ = try await rep.whoami()
        #expect(await status { _ = try await login(daemon) } == .unauthenticated)
        _ = try await login(daemon, "  MARIO.Rossi ", "Juniper-Comet-Rowboat-2026")
        // Logout ends this session.
        try await rep.logout()
        #expect(await status { _ = try await rep.whoami() } == .unauthenticated)
        try await daemon.stop()
    }

    @Test func activationCodesAreSingleUseAndExpire() async throws {
        let daemon = try await InProcessDaemon(settings: "[passwords]\nactivation_validity = 3600\n")
        let op = daemon.operatorClient()
        let created = try await op.createCompany(CreateCompanyRequest(name: "A", vatNumber: "01234567897", legalRepresentative:
            LegalRepresentativeRequest(fullName: "Mario Rossi", fiscalCode: "RSSMRA80A01H501U", email: "m@r.example", username: "mario.rossi")))
        let anon = daemon.apiClient()
        #expect(await status { _ = try await anon.activate(code: created.activationCode, password: "short") } == .invalidArgument)
        _ = try await anon.activate(code: created.activationCode, password: InProcessDaemon.password)
        #expect(await status { _ = try await anon.activate(code: created.activationCode, password: InProcessDaemon.password) } == .unauthenticated)
        let second = try await op.createCompany(CreateCompanyRequest(name: "B", vatNumber: "12345678903", legalRepresentative:
            LegalRepresentativeRequest(fullName: "Luigi Verdi", fiscalCode: "RSSMRA80A01H501U", email: "l@v.example", username: "luigi.verdi")))
        daemon.clock.advance(by: 3601)
        #expect(await status { _ = try await anon.activate(code: second.activationCode, password: InProcessDaemon.password) } == .unauthenticated)
        #expect(await status { _ = try await anon.activate(code: "wpa_garbage", password: InProcessDaemon.password) } == .unauthenticated)
        try await daemon.stop()
    }
}

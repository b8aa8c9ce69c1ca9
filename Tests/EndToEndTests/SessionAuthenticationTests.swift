import Foundation
import Testing
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain
import WebProfilesWire

/// Session authentication through the real daemon binary.
@Suite("Session authentication (end to end)", .serialized)
struct SessionAuthenticationTests {
    @Test func everyLoginFailureLooksTheSame() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        let pending = try await f.rep.call(ProfilesAPI.registerUser, RegisterUserRequest(username: "pending.user", displayName: "P", email: "p@rossi.example", profile: .adminLight))
        let (revokedID, _) = try await f.person(daemon, "revoked.user", .adminLight)
        _ = try await f.rep.call(ProfilesAPI.revokeCredentials, RevokeCredentialsRequest(registrationId: revokedID))
        let anon = daemon.apiClient()
        var failures: [RPCError] = []
        for (username, password) in [("nobody.here", Fixture.password), ("mario.rossi", "wrong-password-1"), (pending.registration.username, Fixture.password),
                                     ("revoked.user", Fixture.password), ("mario.rossi", String(repeating: "x", count: 300)), ("", "")] {
            do {
                _ = try await anon.call(SessionAPI.login, LoginRequest(username: username, password: password))
                Issue.record("\(username) logged in")
            } catch let error as RPCError {
                failures.append(error)
            }
        }
        #expect(failures.allSatisfy { $0.code == .unauthenticated && $0.message == failures[0].message })
        await anon.close()
    }

    @Test func lockoutAfterFiveFailuresAndOperatorUnlock() async throws {
        let daemon = try DaemonProcess(arguments: ["--lockout-threshold", "5", "--lockout-duration", "2"])
        let f = try await Fixture.make(daemon)
        let anon = daemon.apiClient()
        for _ in 0..<5 {
            #expect(await statusOf { try await anon.call(SessionAPI.login, LoginRequest(username: "mario.rossi", password: "not-the-password")) } == .unauthenticated)
        }
        // Locked: even the right password fails, with the same answer.
        #expect(await statusOf { try await anon.call(SessionAPI.login, LoginRequest(username: "mario.rossi", password: Fixture.password)) } == .unauthenticated)
        // The operator unlocks.
        let op = daemon.operatorClient()
        let unlocked = try await op.call(OperatorAPI.unlockRegistration, UnlockRegistrationRequest(registrationId: f.repID))
        #expect(!unlocked.registration.locked)
        _ = try await anon.call(SessionAPI.login, LoginRequest(username: "mario.rossi", password: Fixture.password))
        // A lockout also ends by itself.
        for _ in 0..<5 { _ = await statusOf { try await anon.call(SessionAPI.login, LoginRequest(username: "mario.rossi", password: "nope-nope-nope")) } }
        #expect(await statusOf { try await anon.call(SessionAPI.login, LoginRequest(username: "mario.rossi", password: Fixture.password)) } == .unauthenticated)
        try await Task.sleep(for: .milliseconds(2200))
        _ = try await anon.call(SessionAPI.login, LoginRequest(username: "mario.rossi", password: Fixture.password))
        let events = try await op.call(OperatorAPI.listAuditEvents, ListAuditEventsRequest(registrationId: f.repID, pageSize: 500))
        #expect(events.events.filter { $0.action == "locked" }.count == 2)
        #expect(events.events.filter { $0.action == "unlocked" }.count == 1)
        // Ten counted failures, and the two attempts refused during the lockouts (right password).
        #expect(events.events.filter { $0.action == "loginFailed" && $0.after?["failedAttempts"] != nil }.count == 10)
        #expect(events.events.filter { $0.action == "loginFailed" && $0.after?["refused"] == "locked" }.count == 2)
        await anon.close()
        await op.close()
    }

    @Test func sessionsExpireWhenIdleAndAtTheirLifetime() async throws {
        let daemon = try DaemonProcess(arguments: ["--session-idle-timeout", "1", "--session-lifetime", "3"])
        let f = try await Fixture.make(daemon)
        // Idle: unused for over a second.
        try await Task.sleep(for: .milliseconds(1300))
        #expect(await statusOf { try await f.rep.call(SessionAPI.whoami, Empty()) } == .unauthenticated)
        // Lifetime: used every half second, it still ends after 3 s.
        let login = try await daemon.apiClient().call(SessionAPI.login, LoginRequest(username: "mario.rossi", password: Fixture.password))
        let client = daemon.apiClient(token: login.sessionToken)
        var lastOK = Date()
        let started = Date()
        while Date().timeIntervalSince(started) < 5 {
            if await statusOf({ try await client.call(SessionAPI.whoami, Empty()) }) == nil { lastOK = Date() } else { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        let lived = lastOK.timeIntervalSince(started)
        #expect(lived >= 2 && lived < 3.5, "lived \(lived)s")
        #expect(login.idleExpiresAt <= login.expiresAt)
    }

    @Test func oldestSessionEndsBeyondTheLimit() async throws {
        let daemon = try DaemonProcess(arguments: ["--max-sessions", "2"])
        let f = try await Fixture.make(daemon)
        let anon = daemon.apiClient()
        let second = try await anon.call(SessionAPI.login, LoginRequest(username: "mario.rossi", password: Fixture.password))
        let third = try await anon.call(SessionAPI.login, LoginRequest(username: "mario.rossi", password: Fixture.password))
        #expect(await statusOf { try await f.rep.call(SessionAPI.whoami, Empty()) } == .unauthenticated)
        let sessions = try await daemon.apiClient(token: third.sessionToken).call(SessionAPI.listSessions, Empty()).sessions
        #expect(Set(sessions.map(\.sessionId)) == [second.sessionId, third.sessionId])
        #expect(sessions.filter(\.current).map(\.sessionId) == [third.sessionId])
    }

    @Test func logoutRevokeSessionAndPasswordChange() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        let anon = daemon.apiClient()
        let other = try await anon.call(SessionAPI.login, LoginRequest(username: "mario.rossi", password: Fixture.password))
        let third = try await anon.call(SessionAPI.login, LoginRequest(username: "mario.rossi", password: Fixture.password))
        // Revoke one of my own sessions; someone else's session id is not found.
        _ = try await f.rep.call(SessionAPI.revokeSession, RevokeSessionRequest(sessionId: other.sessionId))
        #expect(await statusOf { try await daemon.apiClient(token: other.sessionToken).call(SessionAPI.whoami, Empty()) } == .unauthenticated)
        #expect(await statusOf { try await f.rep.call(SessionAPI.revokeSession, RevokeSessionRequest(sessionId: "no-such-session")) } == .notFound)
        // Changing the password ends the other sessions but not this one.
        #expect(await statusOf { try await f.rep.call(SessionAPI.changePassword, ChangePasswordRequest(currentPassword: "wrong-current-1", newPassword: "New-Password-2026")) } == .invalidArgument)
        #expect(await statusOf { try await f.rep.call(SessionAPI.changePassword, ChangePasswordRequest(currentPassword: Fixture.password, newPassword: "short")) } == .invalidArgument)
        #expect(await statusOf { try await f.rep.call(SessionAPI.changePassword, ChangePasswordRequest(currentPassword: Fixture.password, newPassword: "my-mario.rossi-pw")) } == .invalidArgument)
        _ = try await f.rep.call(SessionAPI.changePassword, ChangePasswordRequest(currentPassword: Fixture.password, newPassword: "New-Password-2026"))
        #expect(await statusOf { try await daemon.apiClient(token: third.sessionToken).call(SessionAPI.whoami, Empty()) } == .unauthenticated)
        _ = try await f.rep.call(SessionAPI.whoami, Empty())
        #expect(await statusOf { try await anon.call(SessionAPI.login, LoginRequest(username: "mario.rossi", password: Fixture.password)) } == .unauthenticated)
        _ = try await anon.call(SessionAPI.login, LoginRequest(username: "  MARIO.Rossi ", password: "New-Password-2026"))
        // Logout ends this session.
        _ = try await f.rep.call(SessionAPI.logout, Empty())
        #expect(await statusOf { try await f.rep.call(SessionAPI.whoami, Empty()) } == .unauthenticated)
    }

    @Test func activationCodesAreSingleUseAndExpire() async throws {
        let daemon = try DaemonProcess(arguments: ["--activation-validity", "1"])
        let op = daemon.operatorClient()
        let created = try await op.call(OperatorAPI.createCompany, CreateCompanyRequest(name: "A", vatNumber: "01234567897", legalRepresentative:
            LegalRepresentativeRequest(fullName: "Mario Rossi", fiscalCode: "RSSMRA80A01H501U", email: "m@r.example", username: "mario.rossi")))
        let anon = daemon.apiClient()
        #expect(await statusOf { try await anon.call(SessionAPI.activate, ActivateRequest(activationCode: created.activationCode, password: "short")) } == .invalidArgument)
        _ = try await anon.call(SessionAPI.activate, ActivateRequest(activationCode: created.activationCode, password: Fixture.password))
        #expect(await statusOf { try await anon.call(SessionAPI.activate, ActivateRequest(activationCode: created.activationCode, password: Fixture.password)) } == .unauthenticated)
        let second = try await op.call(OperatorAPI.createCompany, CreateCompanyRequest(name: "B", vatNumber: "12345678903", legalRepresentative:
            LegalRepresentativeRequest(fullName: "Luigi Verdi", fiscalCode: "RSSMRA80A01H501U", email: "l@v.example", username: "luigi.verdi")))
        try await Task.sleep(for: .milliseconds(1200))
        #expect(await statusOf { try await anon.call(SessionAPI.activate, ActivateRequest(activationCode: second.activationCode, password: Fixture.password)) } == .unauthenticated)
        #expect(await statusOf { try await anon.call(SessionAPI.activate, ActivateRequest(activationCode: "wpa_garbage", password: Fixture.password)) } == .unauthenticated)
    }

    @Test func sessionsAndDataSurviveRestartsAndKills() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        let (annaID, anna) = try await f.person(daemon, "anna.bianchi", .adminLight)
        let annaToken = try #require(anna.sessionToken)
        try daemon.restart()
        #expect(try await daemon.apiClient(token: f.repToken).call(SessionAPI.whoami, Empty()).principal.registrationId == f.repID)
        _ = try await f.rep.call(ProfilesAPI.changeProfile, ChangeProfileRequest(registrationId: annaID, profile: .user, line: "+393331234567"))
        try daemon.restart(kill: true)
        let whoami = try await daemon.apiClient(token: annaToken).call(SessionAPI.whoami, Empty())
        #expect(whoami.principal.profile == .user)
        #expect(whoami.principal.line == "+393331234567")
        let list = try await daemon.apiClient(token: f.repToken).call(ProfilesAPI.listRegistrations, ListRegistrationsRequest())
        #expect(list.registrations.count == 2)
        #expect(daemon.exitStatus == nil)
    }

    @Test func gracefulStopExitsZero() async throws {
        let daemon = try DaemonProcess()
        _ = try await daemon.apiClient().call(HealthAPI.check, Empty())
        daemon.stop()
        #expect(daemon.exitStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.apiSocket))
    }
}

@Suite("Configuration reload (end to end)", .serialized)
struct ReloadTests {
    @Test func reloadAppliesPolicyAndRefusesABadFile() async throws {
        let config = NSTemporaryDirectory() + "wp-reload-\(UUID().uuidString).toml"
        try "[lockout]\nthreshold = 5\n".write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(arguments: ["--config", config])
        let f = try await Fixture.make(daemon)
        let op = daemon.operatorClient()
        // A smaller threshold applies after the reload, without dropping the session.
        try "[lockout]\nthreshold = 2\n".write(toFile: config, atomically: true, encoding: .utf8)
        #expect(try await op.call(OperatorAPI.reload, Empty()).restartRequired.isEmpty)
        let anon = daemon.apiClient()
        for _ in 0..<2 { _ = await statusOf { try await anon.call(SessionAPI.login, LoginRequest(username: "mario.rossi", password: "wrong-password-9")) } }
        #expect(await statusOf { try await anon.call(SessionAPI.login, LoginRequest(username: "mario.rossi", password: Fixture.password)) } == .unauthenticated)
        _ = try await f.rep.call(SessionAPI.whoami, Empty())
        // A broken file is refused and the running configuration kept.
        try "[lockout]\nthreshold = \"many\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        #expect(await statusOf { try await op.call(OperatorAPI.reload, Empty()) } == .failedPrecondition)
        kill(daemon.process!.processIdentifier, SIGHUP)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await op.call(HealthAPI.check, Empty()).status == "serving")
        #expect(daemon.log().contains("configuration rejected"))
        // A setting that needs a restart is reported as such.
        try "[lockout]\nthreshold = 2\n[argon2]\nthreads = 7\n".write(toFile: config, atomically: true, encoding: .utf8)
        #expect(try await op.call(OperatorAPI.reload, Empty()).restartRequired == ["argon2.threads"])
    }
}

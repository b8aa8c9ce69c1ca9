import Foundation
import Testing
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain
import WebProfilesWire

/// Session authentication through the real daemon binary: what only the binary shows (restarts,
/// kills, signals). The rules themselves are tested in process (ServerTests/AccountsTests).
@Suite("Session authentication (end to end)", .serialized)
struct SessionAuthenticationTests {
    @Test func sessionsAndDataSurviveRestartsAndKills() async throws {
        let daemon = try DaemonProcess()
        let f = try await Fixture.make(daemon)
        let (annaID, anna) = try await f.person(daemon, "anna.bianchi", .adminLight)
        let annaToken = try #require(anna.sessionToken)
        try daemon.restart()
        #expect(try await daemon.apiClient(token: f.repToken).call(SessionAPI.whoami, WhoamiRequest()).principal.registrationId == f.repID)
        _ = try await f.rep.call(ProfilesAPI.changeProfile, ChangeProfileRequest(registrationId: annaID, profile: .user, line: "+393331234567"))
        try daemon.restart(kill: true)
        let whoami = try await daemon.apiClient(token: annaToken).call(SessionAPI.whoami, WhoamiRequest())
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
        _ = try await f.rep.call(SessionAPI.whoami, WhoamiRequest())
        // A broken file is refused and the running configuration kept.
        try "[lockout]\nthreshold = \"many\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        #expect(await statusOf { try await op.call(OperatorAPI.reload, Empty()) } == .failedPrecondition)
        kill(daemon.process!.processIdentifier, SIGHUP)
        for _ in 0..<500 where !daemon.log().contains("SIGHUP: reloading") { try await Task.sleep(for: .milliseconds(10)) }
        for _ in 0..<500 where daemon.log().components(separatedBy: "configuration rejected").count < 3 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(try await op.call(HealthAPI.check, Empty()).status == "serving")
        #expect(daemon.log().components(separatedBy: "configuration rejected").count == 3, "the call's and the signal's refusals are logged")
        // A setting that needs a restart is reported as such.
        try "[lockout]\nthreshold = 2\n[argon2]\nthreads = 7\n".write(toFile: config, atomically: true, encoding: .utf8)
        #expect(try await op.call(OperatorAPI.reload, Empty()).restartRequired == ["argon2.threads"])
    }
}

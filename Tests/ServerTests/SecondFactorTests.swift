import Foundation
import Testing
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain
@testable import WebProfilesServer
import WebProfilesStore
import WebProfilesWire

/// TOTP (RFC 6238) and the second factor of logins, in process on a manual clock.
@Suite("Second factor")
struct SecondFactorTests {
    /// RFC 6238 Appendix B: the SHA-1 rows (secret "12345678901234567890", 8 digits).
    static let vectors: [(TimeInterval, String)] = [
        (59, "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"), (2_000_000_000, "69279037"), (20_000_000_000, "65353130"),
    ]

    @Test(arguments: vectors)
    func rfc6238AppendixB(time: TimeInterval, code: String) {
        let totp = TOTP(secret: Array("12345678901234567890".utf8), digits: 8)
        let step = totp.step(at: Date(timeIntervalSince1970: time))
        #expect(totp.code(step: step) == code)
        #expect(totp.matchingStep(of: code, at: Date(timeIntervalSince1970: time)) == step)
    }

    @Test func oneStepOfDriftEitherSideAndNoMore() {
        let totp = TOTP(secret: Array("12345678901234567890".utf8))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let step = totp.step(at: now)
        for drift in [-1, 0, 1] { #expect(totp.matchingStep(of: totp.code(step: step + Int64(drift)), at: now) == step + Int64(drift)) }
        for drift in [-2, 2] { #expect(totp.matchingStep(of: totp.code(step: step + Int64(drift)), at: now) == nil) }
        #expect(totp.matchingStep(of: "12345", at: now) == nil)
        #expect(totp.matchingStep(of: "abcdef", at: now) == nil)
    }

    @Test func base32RoundTripsAndReadsWhatAppsShow() {
        #expect(Base32.encode(Array("12345678901234567890".utf8)) == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        #expect(Base32.decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq") == Array("12345678901234567890".utf8))
        #expect(Base32.decode("not base32!") == nil)
        for length in 0..<12 {
            let bytes = (0..<length).map { UInt8($0 * 37 & 0xFF) }
            #expect(Base32.decode(Base32.encode(bytes)) == bytes)
        }
    }

    @Test func secretsAreSealedWithAKeyOutsideTheDatabase() throws {
        let directory = NSTemporaryDirectory() + "wp-secretbox-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let box = try SecretBox.load(path: directory + "/secondfactor.key", environment: [:])
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: directory + "/secondfactor.key")[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        let sealed = try box.seal([1, 2, 3])
        #expect(sealed.hasPrefix("v1:") && !sealed.contains("AQID"))
        #expect(try SecretBox.load(path: directory + "/secondfactor.key", environment: [:]).open(sealed) == [1, 2, 3])
        // Another key opens nothing.
        #expect(throws: (any Error).self) { try SecretBox(keyBytes: Array(repeating: 7, count: 32)).open(sealed) }
        // A systemd credential wins over the file.
        let credentials = directory + "/credentials"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try Data(repeating: 9, count: 32).write(to: URL(fileURLWithPath: credentials + "/secondfactor.key"))
        let fromCredential = try SecretBox.load(path: directory + "/secondfactor.key", environment: ["CREDENTIALS_DIRECTORY": credentials])
        #expect(try SecretBox(keyBytes: Array(repeating: 9, count: 32)).open(try fromCredential.seal([4])) == [4])
    }

    func status(_ body: () async throws -> Void) async -> RPCError? {
        do { try await body(); return nil } catch let error as RPCError { return error } catch { return RPCError(code: .unknown, message: "\(error)") }
    }

    /// The current code of an enrolment's secret on the daemon's clock, `offset` steps away.
    func code(_ secret: String, _ daemon: InProcessDaemon, offset: Int64 = 0) throws -> String {
        let totp = TOTP(secret: try #require(Base32.decode(secret)))
        return totp.code(step: totp.step(at: daemon.clock.now) + offset)
    }

    @Test func enrolLoginWithACodeOnceAndWithRecoveryCodes() async throws {
        let daemon = try await InProcessDaemon()
        let (token, _) = try await daemon.company()
        let rep = daemon.apiClient(token: token)
        let enrolment = try await rep.beginTOTPEnrollment()
        #expect(enrolment.otpauthURI.hasPrefix("otpauth://totp/webprofiled:mario.rossi?secret=\(enrolment.secret)&issuer=webprofiled&algorithm=SHA1&digits=6&period=30"))
        #expect(await status { _ = try await rep.confirmTOTPEnrollment(code: "000000") }?.code == .invalidArgument)
        let recovery = try await rep.confirmTOTPEnrollment(code: try code(enrolment.secret, daemon))
        #expect(recovery.count == 10 && Set(recovery).count == 10)
        #expect(try await rep.account().secondFactor == SecondFactorState(enabled: true, required: false, recoveryCodesLeft: 10))
        let api = daemon.apiClient()
        // A right password without the second factor: told so, and nothing counted.
        let missing = await status { _ = try await api.login(username: "mario.rossi", password: InProcessDaemon.password) }
        #expect(missing?.code == .unauthenticated && missing?.message.contains("second factor is needed") == true)
        // A wrong password never hears of the second factor.
        let wrongPassword = await status { _ = try await api.login(username: "mario.rossi", password: "Wrong-Horse-Battery-9", otp: "123456") }
        #expect(wrongPassword?.message == "invalid username or password")
        // The code of the step the enrolment used is never accepted again; the next one is, once.
        #expect(await status { _ = try await api.login(username: "mario.rossi", password: InProcessDaemon.password, otp: try code(enrolment.secret, daemon)) }?.code == .unauthenticated)
        daemon.clock.advance(by: 30)
        let next = try code(enrolment.secret, daemon)
        _ = try await api.login(username: "mario.rossi", password: InProcessDaemon.password, otp: next)
        #expect(await status { _ = try await api.login(username: "mario.rossi", password: InProcessDaemon.password, otp: next) }?.code == .unauthenticated)
        // A recovery code stands in once, typed any way.
        _ = try await api.login(username: "mario.rossi", password: InProcessDaemon.password, otp: recovery[0].lowercased())
        #expect(await status { _ = try await api.login(username: "mario.rossi", password: InProcessDaemon.password, otp: recovery[0]) }?.code == .unauthenticated)
        #expect(try await rep.account().secondFactor.recoveryCodesLeft == 9)
        try await daemon.stop()
    }

    @Test func wrongCodesCountTowardTheLockout() async throws {
        let daemon = try await InProcessDaemon(settings: "[lockout]\nthreshold = 3\n")
        let (token, _) = try await daemon.company()
        let rep = daemon.apiClient(token: token)
        let enrolment = try await rep.beginTOTPEnrollment()
        _ = try await rep.confirmTOTPEnrollment(code: try code(enrolment.secret, daemon))
        daemon.clock.advance(by: 60)
        for _ in 0..<3 {
            #expect(await status { _ = try await daemon.apiClient().login(username: "mario.rossi", password: InProcessDaemon.password, otp: "000000") }?.code == .unauthenticated)
        }
        // Locked now: even the right password and code fail.
        #expect(await status { _ = try await daemon.apiClient().login(username: "mario.rossi", password: InProcessDaemon.password, otp: try code(enrolment.secret, daemon)) }?.message == "invalid username or password")
        try await daemon.stop()
    }

    @Test func aRequiredProfileMustEnrolBeforeAnythingElse() async throws {
        let daemon = try await InProcessDaemon(settings: "[second_factor]\nrequired_profiles = [\"legalRepresentative\", \"adminFull\"]\n")
        let (token, _) = try await daemon.company()
        let rep = daemon.apiClient(token: token)
        let whoami = try await rep.whoami()
        #expect(whoami.requiredAction == "enrollSecondFactor")
        let refused = await status { _ = try await rep.listRegistrations() }
        #expect(refused?.code == .failedPrecondition && refused?.message.contains("requires a second factor") == true)
        #expect(await status { _ = try await rep.authorize(.invoicesView) }?.code == .failedPrecondition)
        let enrolment = try await rep.beginTOTPEnrollment()
        _ = try await rep.confirmTOTPEnrollment(code: try code(enrolment.secret, daemon))
        // The same session may go on at once.
        _ = try await rep.listRegistrations()
        #expect(try await rep.whoami().requiredAction == nil)
        // A required second factor cannot be turned off by its holder; the desk resets a lost one.
        #expect(await status { try await rep.disableTOTP(password: InProcessDaemon.password) }?.code == .failedPrecondition)
        let repID = whoami.principal.registrationId
        let op = daemon.operatorClient()
        _ = try await op.resetSecondFactor(registrationID: repID, reason: "lost phone")
        #expect(await status { _ = try await rep.whoami() }?.code == .unauthenticated, "the reset ends the sessions")
        let again = try await daemon.apiClient().login(username: "mario.rossi", password: InProcessDaemon.password)
        #expect(again.requiredAction == "enrollSecondFactor")
        let events = try await op.listAuditEvents(ListAuditEventsRequest(registrationId: repID, pageSize: 500)).events
        #expect(events.contains { $0.action == "secondFactorReset" && $0.agent == "tester" && $0.after?["reason"] == "lost phone" })
        try await daemon.stop()
    }

    @Test func disablingNeedsThePassword() async throws {
        let daemon = try await InProcessDaemon()
        let (token, _) = try await daemon.company()
        let rep = daemon.apiClient(token: token)
        #expect(await status { try await rep.disableTOTP(password: InProcessDaemon.password) }?.code == .failedPrecondition)
        let enrolment = try await rep.beginTOTPEnrollment()
        _ = try await rep.confirmTOTPEnrollment(code: try code(enrolment.secret, daemon))
        #expect(await status { _ = try await rep.beginTOTPEnrollment() }?.code == .failedPrecondition)
        #expect(await status { try await rep.disableTOTP(password: "Wrong-Horse-Battery-9") }?.code == .invalidArgument)
        try await rep.disableTOTP(password: InProcessDaemon.password)
        _ = try await daemon.apiClient().login(username: "mario.rossi", password: InProcessDaemon.password)
        try await daemon.stop()
    }

    @Test func theSecretIsStoredSealed() async throws {
        let daemon = try await InProcessDaemon()
        let (token, _) = try await daemon.company()
        let enrolment = try await daemon.apiClient(token: token).beginTOTPEnrollment()
        let stored = try #require(try await daemon.daemon.accounts.store.account(username: try Username("mario.rossi"))?.totpSecret)
        #expect(stored.hasPrefix("v1:") && !stored.contains(enrolment.secret))
        #expect(FileManager.default.fileExists(atPath: daemon.directory + "/secondfactor.key"))
        try await daemon.stop()
    }
}

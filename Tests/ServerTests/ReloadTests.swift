import CBOR
import Foundation
import Testing
import Logging
import TestSupport
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain
import WebProfilesStore
import WebProfilesTransport
import WebProfilesWire
@testable import WebProfilesServer

/// The reload contract, one test per reloadable setting: change it in the file, reload (as
/// SIGHUP does, and through `Operator/Reload`), and see it take effect. Settings that need a
/// restart keep their running values and keep being reported until then.
@Suite("Reload contract", .serialized)
struct ReloadTests {
    /// Every setting a test below changes and observes.
    static let covered: Set<String> = [
        "server.operator_uids", "logging.level",
        "limits.max_frame_bytes", "limits.max_connections", "limits.max_connections_per_peer", "limits.max_concurrent_calls",
        "limits.max_inflight_request_bytes", "limits.max_buffered_bytes_per_peer", "limits.frame_timeout", "limits.idle_timeout",
        "limits.shutdown_grace_period",
        "sessions.idle_timeout", "sessions.lifetime", "sessions.max_per_registration", "sessions.flush_interval",
        "lockout.threshold", "lockout.duration", "passwords.activation_validity", "passwords.min_length",
        "argon2.memory_kib", "argon2.iterations", "argon2.parallelism",
        "passwords.recovery_validity", "second_factor.required_profiles", "second_factor.issuer", "audit.retention_days",
    ]

    @Test func everyReloadableSettingHasItsTest() {
        #expect(Set(ConfigurationKeys.all.filter(\.reloadable).map(\.name)) == Self.covered)
    }

    /// Starts a daemon, rewrites the file with `settings`, reloads, runs `observe`, stops.
    func afterReloading(_ settings: String, throughOperatorCall: Bool, initially: String = "",
                        observe: (InProcessDaemon) async throws -> Void) async throws {
        let daemon = try await InProcessDaemon(settings: initially)
        try daemon.configure(settings)
        #expect(try await daemon.reload(throughOperatorCall: throughOperatorCall).isEmpty)
        try await observe(daemon)
        try await daemon.stop()
    }

    func status(_ body: () async throws -> Void) async -> StatusCode? {
        do { try await body(); return nil } catch let error as RPCError { return error.code } catch { return .unknown }
    }

    // MARK: server, logging

    @Test(arguments: [false, true]) func operatorUIDs(throughOperatorCall: Bool) async throws {
        try await afterReloading("[server]\noperator_uids = [4000000000]\n", throughOperatorCall: throughOperatorCall) { daemon in
            #expect(await status { _ = try await daemon.operatorClient().stats() } == .unavailable)
        }
    }

    @Test func logLevel() async throws {
        try await afterReloading("[logging]\nlevel = \"debug\"\n", throughOperatorCall: false) { daemon in
            #expect(daemon.reloadedLogLevel.value == .debug)
            #expect(daemon.daemon.configuration.logLevel == .debug)
        }
    }

    // MARK: limits (for connections made after the reload)

    @Test func maxFrameBytes() async throws {
        try await afterReloading("[limits]\nmax_frame_bytes = 4096\n", throughOperatorCall: true) { daemon in
            let connection = try RawConnection(path: daemon.apiSocket)
            connection.send(RawConnection.frame(kind: 1, payload: try CBOREncoder().encode(CBORValue.textMap([
                "protocol": .text("webprofiles"), "version": .unsigned(1), "peer": .text("t"), "maxFrameBytes": .unsigned(1 << 20)]))))
            let hello = try #require(connection.readFrame())
            #expect(hello.value?["maxFrameBytes"] == .unsigned(4096))
        }
    }

    func refusesTheThirdConnection(_ daemon: InProcessDaemon) throws {
        let first = try RawConnection(path: daemon.apiSocket), second = try RawConnection(path: daemon.apiSocket)
        try first.handshake()
        try second.handshake()
        let third = try RawConnection(path: daemon.apiSocket)
        #expect(third.isClosedByPeer())
    }

    @Test func maxConnections() async throws {
        try await afterReloading("[limits]\nmax_connections = 2\n", throughOperatorCall: false) { try refusesTheThirdConnection($0) }
    }

    @Test func maxConnectionsPerPeer() async throws {
        try await afterReloading("[limits]\nmax_connections_per_peer = 2\n", throughOperatorCall: true) { try refusesTheThirdConnection($0) }
    }

    @Test func maxConcurrentCalls() async throws {
        try await afterReloading("[limits]\nmax_concurrent_calls = 1\n", throughOperatorCall: false) { daemon in
            let connection = try RawConnection(path: daemon.apiSocket)
            try connection.handshake()
            // Twenty calls in one write: they arrive in one read, while the first still runs.
            connection.send((1...20).flatMap { RawConnection.request(streamID: UInt32($0), method: HealthAPI.check.name, message: .map([])) })
            let statuses = (1...20).compactMap { _ in connection.readFrame()?.status }
            #expect(statuses.count == 20 && statuses.contains(StatusCode.resourceExhausted.rawValue))
        }
    }

    @Test func maxInflightRequestBytes() async throws {
        try await afterReloading("[limits]\nmax_inflight_request_bytes = 65536\n", throughOperatorCall: true) { daemon in
            let connection = try RawConnection(path: daemon.apiSocket)
            try connection.handshake()
            let big = CBORValue.textMap(["method": .text(HealthAPI.check.name), "message": .map([]), "pad": .bytes([UInt8](repeating: 1, count: 100_000))])
            connection.send(RawConnection.frame(kind: 2, streamID: 1, payload: try CBOREncoder().encode(big)))
            #expect(connection.readFrame()?.status == StatusCode.resourceExhausted.rawValue)
        }
    }

    @Test func maxBufferedBytesPerPeer() async throws {
        try await afterReloading("[limits]\nmax_buffered_bytes_per_peer = 1048576\n", throughOperatorCall: false) { daemon in
            // Two frames received in part: together beyond the peer's budget.
            let first = try RawConnection(path: daemon.apiSocket), second = try RawConnection(path: daemon.apiSocket)
            try first.handshake()
            try second.handshake()
            let header = RawConnection.frame(kind: 2, streamID: 1, payload: [])
            var claimed = header
            claimed.replaceSubrange(0..<4, with: withUnsafeBytes(of: UInt32(1 << 20 - 8).bigEndian) { Array($0) })
            first.send(claimed + [UInt8](repeating: 0xA0, count: 900_000))
            second.send(claimed + [UInt8](repeating: 0xA0, count: 300_000))
            // Whichever crosses the budget last is refused (reads of the two interleave).
            let refused = [second, first].contains { connection in
                guard let goAway = connection.frame(within: 3) else { return false }
                return goAway.kind == 7 && goAway.status == StatusCode.resourceExhausted.rawValue
            }
            #expect(refused)
        }
    }

    @Test func frameTimeout() async throws {
        try await afterReloading("[limits]\nframe_timeout = 0.2\n", throughOperatorCall: true) { daemon in
            let connection = try RawConnection(path: daemon.apiSocket)
            try connection.handshake()
            connection.send(Array(RawConnection.request(streamID: 1, method: HealthAPI.check.name, message: .map([])).prefix(9)))
            let goAway = try #require(connection.frame(within: 3))
            #expect(goAway.kind == 7 && goAway.status == StatusCode.deadlineExceeded.rawValue)
        }
    }

    @Test func idleTimeout() async throws {
        try await afterReloading("[limits]\nidle_timeout = 0.2\n", throughOperatorCall: false) { daemon in
            let connection = try RawConnection(path: daemon.apiSocket)
            try connection.handshake()
            let goAway = try #require(connection.frame(within: 3))
            #expect(goAway.kind == 7 && goAway.status == 0)
        }
    }

    @Test func shutdownGracePeriod() async throws {
        try await afterReloading("[limits]\nshutdown_grace_period = 0.5\n", throughOperatorCall: true) { daemon in
            // The value the drain at the next stop uses.
            #expect(daemon.daemon.server.limits.shutdownGracePeriod == .milliseconds(500))
        }
    }

    // MARK: recovery, second factor, audit

    @Test func recoveryValidity() async throws {
        try await afterReloading("[passwords]\nrecovery_validity = 600\n", throughOperatorCall: false) { daemon in
            _ = try await daemon.company()
            let delivery = try #require(try await daemon.apiClient().requestRecovery(username: "mario.rossi"))
            #expect(delivery.expiresAt == daemon.clock.now.addingTimeInterval(600))
        }
    }

    @Test func secondFactorRequiredProfiles() async throws {
        try await afterReloading("[second_factor]\nrequired_profiles = [\"legalRepresentative\"]\n", throughOperatorCall: true) { daemon in
            let (token, _) = try await daemon.company()
            #expect(try await daemon.apiClient(token: token).whoami().requiredAction == "enrollSecondFactor")
            #expect(await status { _ = try await daemon.apiClient(token: token).listSessions() } == .failedPrecondition)
        }
    }

    @Test func secondFactorIssuer() async throws {
        try await afterReloading("[second_factor]\nissuer = \"Portale Aziende\"\n", throughOperatorCall: false) { daemon in
            let (token, _) = try await daemon.company()
            let enrolment = try await daemon.apiClient(token: token).beginTOTPEnrollment()
            #expect(enrolment.otpauthURI.hasPrefix("otpauth://totp/Portale%20Aziende:mario.rossi?"))
            #expect(enrolment.otpauthURI.contains("issuer=Portale%20Aziende"))
        }
    }

    @Test func auditRetentionDays() async throws {
        try await afterReloading("[audit]\nretention_days = 1\n", throughOperatorCall: true, initially: "[audit]\nretention_days = 0\n") { daemon in
            _ = try await daemon.company()
            let op = daemon.operatorClient()
            let before = try await op.listAuditEvents(ListAuditEventsRequest(pageSize: 500)).events
            #expect(!before.isEmpty)
            daemon.clock.advance(by: 2 * 86_400)
            try await daemon.daemon.accounts.flushAndPurge()
            let after = try await op.listAuditEvents(ListAuditEventsRequest(pageSize: 500)).events
            #expect(after.map(\.action) == ["auditPurged"])
            #expect(after.first?.after?["deleted"] == String(before.count))
        }
    }

    // MARK: sessions, lockout, passwords

    @Test func sessionIdleTimeout() async throws {
        try await afterReloading("[sessions]\nidle_timeout = 60\n", throughOperatorCall: false) { daemon in
            let (token, _) = try await daemon.company()
            daemon.clock.advance(by: 61)
            #expect(await status { _ = try await daemon.apiClient(token: token).whoami() } == .unauthenticated)
        }
    }

    @Test func sessionLifetime() async throws {
        try await afterReloading("[sessions]\nlifetime = 3600\n", throughOperatorCall: true) { daemon in
            let (token, _) = try await daemon.company()
            let session = try await daemon.apiClient(token: token).whoami().session
            #expect(session.expiresAt == daemon.clock.now.addingTimeInterval(3600))
        }
    }

    @Test func maxSessionsPerRegistration() async throws {
        try await afterReloading("[sessions]\nmax_per_registration = 1\n", throughOperatorCall: false) { daemon in
            let (first, _) = try await daemon.company()
            _ = try await daemon.apiClient().login(username: "mario.rossi", password: InProcessDaemon.password)
            #expect(await status { _ = try await daemon.apiClient(token: first).whoami() } == .unauthenticated)
        }
    }

    @Test func sessionFlushInterval() async throws {
        try await afterReloading("[sessions]\nflush_interval = 0.1\n", throughOperatorCall: true, initially: "[sessions]\nflush_interval = 3600\n") { daemon in
            let (token, _) = try await daemon.company()
            daemon.clock.advance(by: 5)
            let whoami = try await daemon.apiClient(token: token).whoami()
            let used = daemon.clock.now
            var written: Date?
            for _ in 0..<100 {
                written = try await daemon.daemon.accounts.store.sessions(accountID: try #require(try await daemon.daemon.accounts.store.registration(id: whoami.principal.registrationId)).accountId).first?.lastSeenAt
                if written == used { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(written == used)
        }
    }

    func failLogins(_ daemon: InProcessDaemon, _ count: Int) async {
        for _ in 0..<count {
            _ = await status { _ = try await daemon.apiClient().login(username: "mario.rossi", password: "wrong-password-x") }
        }
    }

    @Test func lockoutThreshold() async throws {
        try await afterReloading("[lockout]\nthreshold = 2\n", throughOperatorCall: false) { daemon in
            _ = try await daemon.company()
            await failLogins(daemon, 2)
            #expect(await status { _ = try await daemon.apiClient().login(username: "mario.rossi", password: InProcessDaemon.password) } == .unauthenticated)
        }
    }

    @Test func lockoutDuration() async throws {
        try await afterReloading("[lockout]\nduration = 60\n", throughOperatorCall: true) { daemon in
            _ = try await daemon.company()
            await failLogins(daemon, 5)
            #expect(await status { _ = try await daemon.apiClient().login(username: "mario.rossi", password: InProcessDaemon.password) } == .unauthenticated)
            daemon.clock.advance(by: 61)
            _ = try await daemon.apiClient().login(username: "mario.rossi", password: InProcessDaemon.password)
        }
    }

    @Test func activationValidity() async throws {
        try await afterReloading("[passwords]\nactivation_validity = 600\n", throughOperatorCall: false) { daemon in
            let (token, _) = try await daemon.company()
            let created = try await daemon.apiClient(token: token).registerUser(RegisterUserRequest(
                username: "anna.bianchi", displayName: "Anna", email: "anna@rossi.example", profile: .adminFull))
            #expect(created.activationExpiresAt == daemon.clock.now.addingTimeInterval(600))
        }
    }

    @Test func passwordMinLength() async throws {
        try await afterReloading("[passwords]\nmin_length = 30\n", throughOperatorCall: true) { daemon in
            let created = try await daemon.operatorClient().createCompany(CreateCompanyRequest(name: "Rossi", vatNumber: "01234567897",
                legalRepresentative: LegalRepresentativeRequest(fullName: "Mario Rossi", fiscalCode: "RSSMRA80A01H501U", email: "m@r.example", username: "mario")))
            #expect(await status { _ = try await daemon.apiClient().activate(code: created.activationCode, password: "only-twenty-chars-xx") } == .invalidArgument)
        }
    }

    @Test(arguments: [("memory_kib = 128\niterations = 1", "m=128,"), ("memory_kib = 64\niterations = 2", "t=2,"),
                      ("memory_kib = 64\niterations = 1\nparallelism = 2", "p=2\\$")])
    func argon2(settings: String, inHash: String) async throws {
        let daemon = try await InProcessDaemon()
        try "[argon2]\n\(settings)\n".write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        #expect(try await daemon.reload(throughOperatorCall: true).isEmpty)
        // A hash made after the reload uses the new parameters.
        _ = try await daemon.company()
        let stored = try #require(try await daemon.daemon.accounts.store.account(username: try Username("mario.rossi"))?.passwordHash)
        #expect(stored.range(of: inHash, options: .regularExpression) != nil, "\(stored)")
        try await daemon.stop()
    }

    // MARK: restart-only settings

    @Test func restartOnlySettingsKeepTheirValuesAndStayReported() async throws {
        let daemon = try await InProcessDaemon()
        let runningMode = daemon.daemon.configuration.socketMode
        try daemon.configure("[server]\nsocket_mode = \"0600\"\nexit_when_idle = 60\n[sessions]\nidle_timeout = 90\n")
        #expect(try await daemon.reload(throughOperatorCall: false) == ["server.socket_mode", "server.exit_when_idle"])
        // The reloadable one applied, the others kept, and still reported at the next reload.
        #expect(daemon.daemon.configuration.auth.sessionIdleTimeout == .seconds(90))
        #expect(daemon.daemon.configuration.socketMode == runningMode)
        #expect(daemon.daemon.configuration.exitWhenIdle == nil)
        #expect(try await daemon.reload(throughOperatorCall: true) == ["server.socket_mode", "server.exit_when_idle"])
        try await daemon.stop()
    }

    @Test func aBadFileChangesNothing() async throws {
        let daemon = try await InProcessDaemon()
        try daemon.configure("[sessions]\nidle_timeout = \"soon\"\n")
        await #expect(throws: RPCError.self) { try await daemon.reload(throughOperatorCall: false) }
        #expect(daemon.daemon.configuration.auth.sessionIdleTimeout == .seconds(1800))
        try await daemon.stop()
    }
}

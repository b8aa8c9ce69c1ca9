import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import WebProfilesAPI
import WebProfilesClient
import WebProfilesDomain
import WebProfilesServer
import WebProfilesTransport

/// A value shared with closures the daemon calls.
final class Locked<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    var value: Value {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// The whole daemon in the test process (the same assembly as the executable, without its
/// signal handling and service-manager notifications), on a temporary state folder, configured
/// by a file the test rewrites, with a manual clock.
final class InProcessDaemon: Sendable {
    let directory: String
    let configPath: String
    let clock: ManualClock
    let daemon: WebProfilesDaemon
    private let group: ServiceGroup
    private let run: Task<Void, any Error>
    /// The log level the last reload handed to the executable's hook.
    let reloadedLogLevel = Locked<Logger.Level?>(nil)

    var apiSocket: String { directory + "/webprofiled.sock" }
    var operatorSocket: String { directory + "/operator.sock" }

    /// Cheap hashing, and whatever `settings` adds (TOML lines under their tables).
    static let fastHashing = "[argon2]\nmemory_kib = 64\niterations = 1\n"

    /// - Parameters:
    ///   - database: a database file to start from (copied into the state folder).
    ///   - clock: the clock of every policy (default: a manual one at 2027-01-15).
    init(settings: String = "", database: URL? = nil, clock: ManualClock = ManualClock()) async throws {
        self.clock = clock
        directory = NSTemporaryDirectory() + "wp-inproc-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if let database { try FileManager.default.copyItem(at: database, to: URL(fileURLWithPath: directory + "/webprofiled.sqlite")) }
        configPath = directory + "/webprofiled.toml"
        try Self.fastHashing.appending(settings).write(toFile: configPath, atomically: true, encoding: .utf8)
        let (configPath, directory) = (self.configPath, self.directory)
        let load: @Sendable () throws -> DaemonConfiguration = {
            var configuration = DaemonConfiguration()
            try ConfigurationKeys.apply(file: configPath, to: &configuration)
            configuration.useStateDirectory(directory)
            return configuration
        }
        var logger = Logger(label: "in-process-daemon")
        logger.logLevel = .warning
        let reloadedLogLevel = self.reloadedLogLevel
        let hooks = WebProfilesDaemon.Hooks(loadConfiguration: load, didReload: { applied in reloadedLogLevel.value = applied.logLevel })
        let clock = self.clock
        daemon = try WebProfilesDaemon(configuration: try load(), hooks: hooks, logger: logger, reloadsOnHangup: false, now: { clock.now })
        group = ServiceGroup(configuration: .init(services: daemon.services, gracefulShutdownSignals: [], cancellationSignals: [], logger: logger))
        let group = self.group
        run = Task { try await group.run() }
        try await daemon.server.waitUntilReady()
    }

    /// Rewrites the configuration file.
    func configure(_ settings: String) throws {
        try Self.fastHashing.appending(settings).write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Reloads as SIGHUP does (the daemon's control service), or through `Operator/Reload`.
    @discardableResult
    func reload(throughOperatorCall: Bool) async throws -> [String] {
        if throughOperatorCall {
            let client = operatorClient()
            defer { Task { await client.close() } }
            return try await client.call(OperatorAPI.reload, Empty()).restartRequired
        }
        return try await daemon.reload()
    }

    func apiClient(token: String? = nil) -> WebProfilesClient {
        let client = WebProfilesClient(socketPath: apiSocket)
        client.setSessionToken(token)
        return client
    }

    /// A client of the operator socket, as the desk agent `tester` (operator writes name one).
    func operatorClient(agent: String? = "tester") -> WebProfilesClient {
        let client = WebProfilesClient(socketPath: operatorSocket)
        client.setMetadata(agent, for: "operator-agent")
        return client
    }

    /// A company with an active legal representative and two mobile lines; returns the
    /// representative's session token and the company id.
    func company(vat: String = "01234567897", rep: String = "mario.rossi", password: String = InProcessDaemon.password) async throws -> (token: String, companyID: String) {
        let op = operatorClient()
        defer { Task { await op.close() } }
        let created = try await op.createCompany(CreateCompanyRequest(name: "Rossi S.r.l.", vatNumber: vat, legalRepresentative: LegalRepresentativeRequest(
            fullName: "Mario Rossi", fiscalCode: "RSSMRA80A01H501U", email: "\(rep)@rossi.example", username: rep)))
        _ = try await op.addLines(companyID: created.company.companyId, lines: [Line(msisdn: "+393331234567", kind: .mobile), Line(msisdn: "+393339876543", kind: .mobile)])
        let api = apiClient()
        defer { Task { await api.close() } }
        _ = try await api.activate(code: created.activationCode, password: password)
        return (try await api.login(username: rep, password: password).sessionToken, created.company.companyId)
    }

    static let password = "Correct-Horse-Battery-9"

    /// Stops the daemon as SIGTERM does and waits until every service has ended.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await run.value
    }
}

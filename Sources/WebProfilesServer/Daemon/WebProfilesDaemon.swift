#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import WebProfilesAPI
import WebProfilesStore
import WebProfilesTransport
import WebProfilesWire

/// Assembles the daemon: the store, the accounts service, the router with every service, the
/// RPC server on both listeners, and the services that run them, in one `ServiceGroup`.
///
/// Nothing refers back to the daemon: the operator plane reaches it through a ``DaemonControl``
/// mailbox (`Operator/Reload`), and what reports on connections reads a ``ConnectionRegistry``
/// made before the server. Once the group has run, everything is released; the password
/// hasher's threads are stopped by its own service, last.
package final class WebProfilesDaemon: Sendable {
    /// What the executable plugs in: how to read the configuration again, and what to do around
    /// a reload (log level, service-manager notifications).
    package struct Hooks: Sendable {
        package var loadConfiguration: @Sendable () throws -> DaemonConfiguration
        package var willReload: @Sendable () -> Void
        package var didReload: @Sendable (DaemonConfiguration) -> Void

        package init(loadConfiguration: @escaping @Sendable () throws -> DaemonConfiguration,
                    willReload: @escaping @Sendable () -> Void = {}, didReload: @escaping @Sendable (DaemonConfiguration) -> Void = { _ in }) {
            self.loadConfiguration = loadConfiguration
            self.willReload = willReload
            self.didReload = didReload
        }
    }

    package let server: RPCServer
    package let accounts: AccountsService
    /// What `Operator/Metrics` reports.
    package let metrics: DaemonMetrics
    private let reloader: Reloader
    private let control: DaemonControl
    private let logger: Logger
    private let group: any EventLoopGroup
    private let exitWhenIdle: Duration?
    private let reloadsOnHangup: Bool
    /// Every method the daemon serves.
    package let methodNames: [String]

    /// The configuration in force.
    package var configuration: DaemonConfiguration { reloader.configuration }

    /// - Parameters:
    ///   - reloadsOnHangup: whether SIGHUP reloads the configuration (false for a daemon embedded in
    ///     a test process, whose signals are not its own).
    ///   - now: the clock of every policy (sessions, lockouts, activation codes); tests pass a
    ///     manual one.
    package init(configuration: DaemonConfiguration, hooks: Hooks, logger: Logger,
                 group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, reloadsOnHangup: Bool = true,
                 now: @escaping @Sendable () -> Date = { Date() }) throws {
        self.reloadsOnHangup = reloadsOnHangup
        self.logger = logger
        self.group = group
        self.exitWhenIdle = configuration.exitWhenIdle
        let startedAt = ContinuousClock.now
        let metrics = DaemonMetrics(version: webProfilesVersion)
        self.metrics = metrics
        let storageHealth = StorageHealth(onChange: { old, new in
            switch new {
            case .ok:
                logger.notice("storage works again", metadata: ["MESSAGE_ID": "\(JournalMessageID.storageRecovered)", "was": "\(old)"])
            case .unavailable, .dataLoss:
                logger.error("storage failing: \(new)", metadata: ["MESSAGE_ID": "\(JournalMessageID.storageFailing)", "storage": "\(new)"])
            }
        }, onFailure: { new in
            if case .dataLoss = new { metrics.storageFailed(dataLoss: true) } else { metrics.storageFailed(dataLoss: false) }
        })
        let store = try ProfileStore.open(database: configuration.databasePath, passwordFile: configuration.databasePasswordFile,
                                          health: storageHealth, logger: logger) { events in
            AuditLogging.log(events, to: logger)
        }
        let hasher = try PasswordHasher(parameters: configuration.auth.argon2, threads: configuration.auth.hashingThreads, metrics: metrics)
        let blocklist = try CrackLibBlocklist(dictionary: configuration.cracklibDictionary, listFile: configuration.blocklistFile)
        // A shared database's key is made by the sysadmin for every host, never by one daemon.
        let secretBox = try SecretBox.load(path: configuration.effectiveSecondFactorKeyPath, create: !configuration.usesSharedDatabase)
        let accounts = AccountsService(store: store, hasher: hasher, configuration: configuration.auth, blocklist: blocklist, secretBox: secretBox,
                                       metrics: metrics, logger: logger, now: now)
        self.accounts = accounts
        let control = DaemonControl()
        self.control = control
        let connections = ConnectionRegistry()

        var router = Router(metrics: metrics.calls)
        router.add(interceptor: SessionInterceptor(authorizer: accounts.authorizer))
        HealthService(startedAt: startedAt, isDraining: { connections.isDraining }, storage: { storageHealth.state }).register(in: &router)
        SessionService(accounts: accounts).register(in: &router)
        ProfilesService(accounts: accounts).register(in: &router)
        OperatorService(accounts: accounts, connections: connections, control: control, startedAt: startedAt, metrics: metrics).register(in: &router)
        methodNames = router.methodNames

        server = RPCServer(
            listeners: [
                ListenerConfiguration(kind: .api, source: configuration.apiListener),
                ListenerConfiguration(kind: .operator, source: configuration.operatorListener, allowedUIDs: Self.operatorUIDs(configuration)),
            ],
            limits: configuration.limits, dispatcher: router, peerName: "webprofiled/\(webProfilesVersion)", connections: connections,
            group: group, logger: logger
        )
        reloader = Reloader(configuration: configuration, hooks: hooks, accounts: accounts, server: server, logger: logger)
    }

    static func operatorUIDs(_ configuration: DaemonConfiguration) -> Set<UInt32> {
        configuration.operatorUIDs.isEmpty ? [0, getuid()] : configuration.operatorUIDs
    }

    /// The services to run in one `ServiceGroup`, in start order (they stop in reverse: the
    /// hasher's threads last, after the server has drained its calls).
    package var services: [ServiceGroupConfiguration.ServiceConfiguration] {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: accounts.hasher),
            .init(service: StorageProbe(store: accounts.store, now: accounts.now)),
            .init(service: StorageChangeService(store: accounts.store)),
            .init(service: SessionJanitor(accounts: accounts, logger: logger)),
            .init(service: server),
            .init(service: ControlService(control: control, reloader: reloader, reloadsOnHangup: reloadsOnHangup, logger: logger)),
        ]
        if let idle = exitWhenIdle {
            services.append(.init(service: IdleExit(server: server, after: idle, logger: logger), successTerminationBehavior: .gracefullyShutdownGroup))
        }
        return services
    }

    /// Re-reads the configuration file and applies it, as SIGHUP and `Operator/Reload` do.
    /// - Returns: the changed settings that need a restart.
    @discardableResult
    package func reload() async throws -> [String] {
        try await control.ask(.reload)
    }

    /// Proves the daemon is alive for the watchdog: every event loop runs a task within
    /// `timeout`. The database is not part of it: a storage fault shows in `Health/Check` and the
    /// status line, and restarting the daemon would not mend it (see ``StorageProbe``).
    package func healthCheck(timeout: Duration = .seconds(5)) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for loop in self.group.makeIterator() { try await loop.submit {}.get() }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw RPCError(code: .deadlineExceeded, message: "health check took longer than \(timeout)")
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// A one-line summary for `systemctl status`.
    package var statusLine: String {
        let storage = accounts.store.health.state
        return "\(server.connectionCount) connections, \(accounts.cachedSessionCount) sessions in use" + (storage == .ok ? "" : "; storage \(storage)")
    }
}
